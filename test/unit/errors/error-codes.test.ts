import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isErrorCode } from '../../../src/errors/error-codes.js';
import { ExitCode } from '../../../src/exit-codes.js';

describe('ERROR_CODES', () => {
  it("every code's exit code is one of src/exit-codes.ts", () => {
    const codes = new Set<number>(Object.values(ExitCode));
    for (const [code, entry] of Object.entries(ERROR_CODES)) expect(codes.has(entry.exitCode), code).toBe(true);
  });

  it('no credentials or permissions code is retriable (no retry fixes a refused credential)', () => {
    const credentials = Object.entries(ERROR_CODES).filter(([, entry]) => entry.credentials);
    expect(credentials.map(([code]) => code).sort()).toEqual(['KAFKA_AUTH', 'S3_ACCESS_DENIED']);
    for (const [code, entry] of credentials) expect(entry.retriable, code).toBe(false);
  });

  it('sends configuration and schema problems to exit 2, a missing location to 3, an unusable state directory to 6', () => {
    expect(ERROR_CODES.CONFIG_INVALID.exitCode).toBe(ExitCode.badConfiguration);
    expect(ERROR_CODES.SCHEMA_LOAD_FAILED.exitCode).toBe(ExitCode.badConfiguration);
    expect(ERROR_CODES.BACKUP_LOCATION_MISSING.exitCode).toBe(ExitCode.missingBackupLocation);
    expect(ERROR_CODES.STATE_DIR_UNUSABLE.exitCode).toBe(ExitCode.stateDirUnusable);
    expect(ERROR_CODES.LOCATION_LOCKED).toEqual({ retriable: true, exitCode: ExitCode.locationLocked, credentials: false });
  });
});

describe('isErrorCode', () => {
  it('takes each code of ERROR_CODES', () => {
    for (const code of Object.keys(ERROR_CODES)) expect(isErrorCode(code), code).toBe(true);
  });

  it('refuses other strings, inherited property names, other cases and non-strings', () => {
    for (const value of ['', 'NOPE', 'config_invalid', 'toString', 'constructor', '__proto__', 'hasOwnProperty']) expect(isErrorCode(value), value).toBe(false);
    for (const value of [undefined, null, 2, {}, ['UNKNOWN']]) expect(isErrorCode(value), String(value)).toBe(false);
  });
});
