import { describe, expect, it } from 'vitest';
import { configOf, problemOf } from '../../../helpers/config-variables.js';

describe('restore target Kafka variables', () => {
  it("are unset by default, so the target inherits the backup's TLS and SASL", () => {
    const c = configOf();
    expect([c.RESTORE_KAFKA_SSL, c.RESTORE_KAFKA_SSL_REJECT_UNAUTHORIZED, c.RESTORE_KAFKA_SASL_MECHANISM]).toEqual([undefined, undefined, '']);
    expect(c.restoreKafkaSecurity).toEqual(c.kafkaSecurity);
  });

  it('take true or false for the TLS switches, and refuse anything else, saying empty is allowed', () => {
    expect(configOf({ RESTORE_KAFKA_SSL: 'FALSE' }).RESTORE_KAFKA_SSL).toBe(false);
    expect(configOf({ RESTORE_KAFKA_SSL: 'yes', RESTORE_KAFKA_SSL_REJECT_UNAUTHORIZED: '0' }).RESTORE_KAFKA_SSL_REJECT_UNAUTHORIZED).toBe(false);
    expect(problemOf('RESTORE_KAFKA_SSL', 'maybe')).toEqual({ variable: 'STREAMVAULT_RESTORE_KAFKA_SSL', expected: 'expected one of true, false, 1, 0, yes, no, or empty', received: '"maybe"' });
  });

  it('take a SASL mechanism in any case, or none, and refuse others, listing them and empty', () => {
    expect(configOf({ RESTORE_KAFKA_SASL_MECHANISM: 'None' }).RESTORE_KAFKA_SASL_MECHANISM).toBe('none');
    const scram = configOf({ RESTORE_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256', RESTORE_KAFKA_SASL_USERNAME: 'restorer', RESTORE_KAFKA_SASL_PASSWORD: 'p' });
    expect(scram.RESTORE_KAFKA_SASL_MECHANISM).toBe('scram-sha-256');
    expect(problemOf('RESTORE_KAFKA_SASL_MECHANISM', 'gssapi')).toEqual({
      variable: 'STREAMVAULT_RESTORE_KAFKA_SASL_MECHANISM',
      expected: 'expected one of none, plain, scram-sha-256, scram-sha-512, or empty',
      received: '"gssapi"',
    });
  });
});
