import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';

describe('createLogger', () => {
  it('redacts credential fields wherever a caller puts them, one level deep too', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    const logger = createLogger('info', out);
    logger.info(
      {
        password: 'p-secret-1',
        sasl: { mechanism: 'plain', username: 'u', password: 'p-secret-2' },
        s3: { secretAccessKey: 's-secret-3', sessionToken: 't-secret-4' },
        credentials: { accessKeyId: 'a', secretAccessKey: 's-secret-5' },
        headers: { authorization: 'Bearer b-secret-6' },
        broker: 'kafka-0:9093',
      },
      'connecting',
    );
    const line = JSON.parse(text.trim()) as Record<string, unknown>;
    for (const secret of ['p-secret-1', 'p-secret-2', 's-secret-3', 't-secret-4', 's-secret-5', 'b-secret-6']) expect(text).not.toContain(secret);
    expect(line).toMatchObject({ password: '[redacted]', sasl: '[redacted]', s3: { secretAccessKey: '[redacted]', sessionToken: '[redacted]' }, broker: 'kafka-0:9093' });
  });
});
