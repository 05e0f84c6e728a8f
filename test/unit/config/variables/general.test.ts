import { describe, expect, it } from 'vitest';
import { configOf, expectIntegerRange, expectOneOf, expectPositiveNumber, problemOf, valueOf } from '../../../helpers/config-variables.js';

describe('general variables', () => {
  it('default to the backup mode, info logs, ./state, a 25 s grace and 5 S3 attempts', () => {
    const c = configOf();
    expect([c.MODE, c.LOG_LEVEL, c.STATE_DIR, c.SHUTDOWN_GRACE_SECONDS, c.S3_MAX_ATTEMPTS]).toEqual(['backup', 'info', './state', 25, 5]);
  });

  it('take the modes and log levels they list, in any case, and refuse others', () => {
    expectOneOf('MODE', ['backup', 'restore']);
    expectOneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
  });

  it('take a state directory trimmed, and refuse one of blanks only', () => {
    expect(valueOf('STATE_DIR', ' /var/lib/streamvault ')).toBe('/var/lib/streamvault');
    expect(problemOf('STATE_DIR', '   ')).toEqual({ variable: 'STREAMVAULT_STATE_DIR', expected: 'expected a non-empty string', received: '"   "' });
  });

  it('take a positive grace time and 1 to 100 S3 attempts', () => {
    expectPositiveNumber('SHUTDOWN_GRACE_SECONDS');
    expectIntegerRange('S3_MAX_ATTEMPTS', 1, 100);
  });
});
