import { describe, expect, it } from 'vitest';
import { formatProblems, loadConfig } from '../../../../src/config/load-config.js';
import { configOf, expectBoolean, expectIntegerRange, expectPositiveNumber, problemOf } from '../../../helpers/config-variables.js';

const base = { STREAMVAULT_S3_BUCKET: 'backup-bucket' };

describe('Kafka variables', () => {
  it('default to a local broker, the streamvault client and group, from the beginning, no TLS, no SASL', () => {
    const c = configOf();
    expect({
      brokers: c.KAFKA_BROKERS,
      clientId: c.KAFKA_CLIENT_ID,
      groupId: c.KAFKA_GROUP_ID,
      fromBeginning: c.KAFKA_FROM_BEGINNING,
      ssl: c.KAFKA_SSL,
      rejectUnauthorized: c.KAFKA_SSL_REJECT_UNAUTHORIZED,
      sasl: c.KAFKA_SASL_MECHANISM,
      connectTimeout: c.KAFKA_CONNECT_TIMEOUT_SECONDS,
      sessionTimeout: c.KAFKA_SESSION_TIMEOUT_MS,
    }).toEqual({ brokers: ['localhost:9092'], clientId: 'streamvault', groupId: 'streamvault', fromBeginning: true, ssl: false, rejectUnauthorized: true, sasl: 'none', connectTimeout: 20, sessionTimeout: 30_000 });
  });

  it('refuses a broker address without a port, saying what was expected and what arrived', () => {
    const result = loadConfig({ ...base, STREAMVAULT_KAFKA_BROKERS: 'kafka-0:9092,localhost', STREAMVAULT_RESTORE_KAFKA_BROKERS: 'target:0' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = formatProblems(result.problems);
    expect(text).toContain('STREAMVAULT_KAFKA_BROKERS');
    expect(text).toContain('expected host:port with a port from 1 to 65535 (e.g. kafka-0:9092), got "localhost"');
    expect(text).not.toContain('got "kafka-0:9092"');
    expect(text).toContain('got "target:0"');
  });

  it('takes host:port broker addresses, IPv6 ones in brackets too', () => {
    const result = loadConfig({ ...base, STREAMVAULT_KAFKA_BROKERS: 'kafka-0.kafka:9092, 10.0.0.1:19092,[::1]:9093' });
    expect(result.ok && result.config.KAFKA_BROKERS).toEqual(['kafka-0.kafka:9092', '10.0.0.1:19092', '[::1]:9093']);
  });

  it('needs at least one broker: a list of blanks is refused, not taken as none', () => {
    expect(problemOf('KAFKA_BROKERS', ' , ')).toEqual({ variable: 'STREAMVAULT_KAFKA_BROKERS', expected: 'expected at least one host:port', received: '" , "' });
  });

  it('refuses a blank client or group id', () => {
    expect(problemOf('KAFKA_CLIENT_ID', ' ').expected).toBe('expected a non-empty string');
    expect(problemOf('KAFKA_GROUP_ID', ' ').expected).toBe('expected a non-empty string');
  });

  it('take booleans, the SASL mechanisms, a positive connect timeout and a session timeout of 6 s to 1 h', () => {
    expectBoolean('KAFKA_FROM_BEGINNING');
    expectBoolean('KAFKA_SSL');
    expectBoolean('KAFKA_SSL_REJECT_UNAUTHORIZED');
    expect(configOf({ KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }).KAFKA_SASL_MECHANISM).toBe('scram-sha-512');
    expect(problemOf('KAFKA_SASL_MECHANISM', 'gssapi')).toEqual({ variable: 'STREAMVAULT_KAFKA_SASL_MECHANISM', expected: 'expected one of none, plain, scram-sha-256, scram-sha-512', received: '"gssapi"' });
    expectPositiveNumber('KAFKA_CONNECT_TIMEOUT_SECONDS');
    expectIntegerRange('KAFKA_SESSION_TIMEOUT_MS', 6000, 3_600_000);
  });

  it('never prints the SASL password, even when it is refused with the rest', () => {
    expect(problemOf('KAFKA_SASL_USERNAME', '', { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: 'hunter2-secret' }).received).toBe('(empty)');
    const result = loadConfig({ ...base, STREAMVAULT_KAFKA_SASL_MECHANISM: 'plain', STREAMVAULT_KAFKA_SASL_PASSWORD: 'hunter2-secret' });
    expect(!result.ok && formatProblems(result.problems)).not.toContain('hunter2');
  });
});

