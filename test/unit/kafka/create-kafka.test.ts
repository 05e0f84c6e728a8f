import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createKafka, describeKafkaSecurity, KAFKA_RETRY } from '../../../src/kafka/create-kafka.js';
import { capturedLogger } from '../../helpers/captured-logger.js';

describe('describeKafkaSecurity', () => {
  it('says whether TLS verifies, and the SASL mechanism and user, never the password', () => {
    expect(describeKafkaSecurity({})).toBe('plaintext, no SASL');
    expect(describeKafkaSecurity({ tls: { rejectUnauthorized: true } })).toBe('TLS, no SASL');
    const text = describeKafkaSecurity({ tls: { rejectUnauthorized: false }, sasl: { mechanism: 'plain', username: 'bob "the" builder', password: 'hunter2' } });
    expect(text).toBe('TLS without certificate verification, SASL plain as user "bob \\"the\\" builder"');
    expect(text).not.toContain('hunter2');
  });
});

describe('KAFKA_RETRY', () => {
  it("bounds kafkajs's retries of one request to about 15 s in all (doubling from the first delay, at most 5 s apart)", () => {
    const { retries = 0, initialRetryTime = 0, maxRetryTime = 0 } = KAFKA_RETRY;
    const total = Array.from({ length: retries }, (_, i) => Math.min(initialRetryTime * 2 ** i, maxRetryTime)).reduce((a, b) => a + b, 0);
    expect(maxRetryTime).toBeLessThanOrEqual(5_000);
    expect(total).toBeGreaterThan(10_000);
    expect(total).toBeLessThan(20_000);
  });
});

describe('createKafka', () => {
  it('makes a client that can read snappy and lz4 topics (kafkajs ships gzip only)', async () => {
    const { logger } = capturedLogger('info');
    const kafka = createKafka({ brokers: ['localhost:9092'], clientId: 'streamvault', security: {} }, logger);
    expect(typeof kafka.admin).toBe('function');
    type Codec = { compress(e: { buffer: Buffer }): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> };
    const table = kafkajs.CompressionCodecs as Record<number, () => Codec>;
    const body = Buffer.from('batch '.repeat(100));
    for (const type of [kafkajs.CompressionTypes.Snappy, kafkajs.CompressionTypes.LZ4]) {
      const codec = table[type]!();
      expect(await codec.decompress(await codec.compress({ buffer: body })), String(type)).toEqual(body);
    }
  });
});
