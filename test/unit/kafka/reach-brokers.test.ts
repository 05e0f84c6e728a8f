import kafkajs, { type Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { KafkaSettings } from '../../../src/config/settings.js';
import { reachBrokers } from '../../../src/kafka/reach-brokers.js';
import { capturedLogger } from '../../helpers/captured-logger.js';

/** kafkajs's type declarations leave out the constructors' arguments that its src/errors.js takes. */
type ErrorClass = new (...args: unknown[]) => Error;
const KafkaJSConnectionError = kafkajs.KafkaJSConnectionError as unknown as ErrorClass;
const KafkaJSSASLAuthenticationError = kafkajs.KafkaJSSASLAuthenticationError as unknown as ErrorClass;

const settings: KafkaSettings = {
  brokers: ['kafka-0:9092', 'kafka-1:9092'],
  clientId: 'streamvault',
  security: { tls: { rejectUnauthorized: true }, sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'hunter2-secret' } },
};

/** A probe client whose describeCluster fails with each of `failures` in turn, then answers; records the overrides of each client. */
function fakeClients(failures: Error[]) {
  const made: object[] = [];
  let disconnects = 0;
  const createClient = (_s: KafkaSettings, _l: unknown, overrides: object) => {
    made.push(overrides);
    return {
      admin: () => ({
        connect: async () => {},
        describeCluster: async () => {
          const failure = failures.shift();
          if (failure) throw failure;
          return { brokers: [], controller: 0, clusterId: 'c' };
        },
        disconnect: async () => {
          disconnects += 1;
        },
      }),
    } as unknown as Kafka;
  };
  return { createClient, made, disconnects: () => disconnects };
}

describe('reachBrokers', () => {
  it('tries again after a refused connection until the brokers answer, each attempt a fresh client without retries, disconnected', async () => {
    const { logger, lines } = capturedLogger('info');
    const clients = fakeClients([new KafkaJSConnectionError('Connection error: connect ECONNREFUSED', { broker: 'kafka-0:9092', code: 'ECONNREFUSED' })]);
    const reach = await reachBrokers({ settings, logger, timeoutMs: 5000, createClient: clients.createClient });
    expect(reach).toEqual({ kind: 'reached' });
    expect(clients.made).toHaveLength(2);
    expect(clients.made[0]).toMatchObject({ retry: { retries: 0 } });
    expect(clients.disconnects()).toBe(2);
    expect(lines.find((l) => l.msg === 'Kafka brokers reached')).toMatchObject({ brokers: 'kafka-0:9092,kafka-1:9092', attempts: 2 });
  });

  it('stops at once on refused credentials, saying how it connected but never the password', async () => {
    const { logger } = capturedLogger('debug');
    const clients = fakeClients([new KafkaJSSASLAuthenticationError('SASL SCRAM SHA512 authentication failed: invalid credentials')]);
    const reach = await reachBrokers({ settings, logger, timeoutMs: 5000, createClient: clients.createClient });
    expect(reach).toEqual({
      kind: 'unreachable',
      message: 'the Kafka brokers kafka-0:9092,kafka-1:9092 refused the credentials (TLS, SASL scram-sha-512 as user "alice"): KafkaJSSASLAuthenticationError: SASL SCRAM SHA512 authentication failed: invalid credentials',
    });
    expect(clients.made).toHaveLength(1);
    expect(JSON.stringify(reach)).not.toContain('hunter2');
  });

  it('names the certificate problem when TLS refuses the brokers', async () => {
    const { logger } = capturedLogger('info');
    const clients = fakeClients([new KafkaJSConnectionError('Connection error: self-signed certificate in certificate chain', { broker: 'kafka-0:9093', code: 'SELF_SIGNED_CERT_IN_CHAIN' })]);
    const reach = await reachBrokers({ settings, logger, timeoutMs: 5000, createClient: clients.createClient });
    expect(reach.kind).toBe('unreachable');
    expect(reach.kind === 'unreachable' && reach.message).toMatch(/^the TLS certificate of the Kafka brokers kafka-0:9092,kafka-1:9092 was not accepted \(SELF_SIGNED_CERT_IN_CHAIN; TLS, SASL scram-sha-512 as user "alice"\)/);
  });

  it('gives up when the time is spent, with the attempts, the variable and the last error', async () => {
    const { logger } = capturedLogger('info');
    const refused = () => new KafkaJSConnectionError('Connection error: connect ECONNREFUSED', { broker: 'kafka-0:9092', code: 'ECONNREFUSED' });
    const clients = fakeClients(Array.from({ length: 100 }, refused));
    const started = performance.now();
    const reach = await reachBrokers({ settings: { ...settings, security: {} }, logger, timeoutMs: 600, createClient: clients.createClient });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(reach.kind).toBe('unreachable');
    const attempts = clients.made.length;
    expect(attempts).toBeGreaterThan(1);
    expect(reach.kind === 'unreachable' && reach.message).toBe(
      `cannot reach the Kafka brokers kafka-0:9092,kafka-1:9092 within 0.6 s (${attempts} attempts; plaintext, no SASL; STREAMVAULT_KAFKA_CONNECT_TIMEOUT_SECONDS): KafkaJSConnectionError: Connection error: connect ECONNREFUSED`,
    );
  });

  it('makes no attempt with no time at all, and says so', async () => {
    const { logger } = capturedLogger('info');
    const clients = fakeClients([]);
    const reach = await reachBrokers({ settings, logger, timeoutMs: 0, createClient: clients.createClient });
    expect(clients.made).toHaveLength(0);
    expect(reach.kind === 'unreachable' && reach.message).toMatch(/within 0 s \(0 attempts; .*\): no attempt finished$/);
  });
});
