import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../../src/errors/error-codes.js';
import { StreamvaultError } from '../../../src/errors/streamvault-error.js';
import { ExitCode } from '../../../src/exit-codes.js';

describe('StreamvaultError', () => {
  it("takes retriable and the exit code from its code's entry when the instance does not say", () => {
    const locked = new StreamvaultError('prune: expected no fresh lock at locks/prune.json, found one', { code: 'LOCATION_LOCKED' });
    expect(locked).toBeInstanceOf(Error);
    expect(locked).toMatchObject({ name: 'StreamvaultError', code: 'LOCATION_LOCKED', retriable: true, exitCode: ExitCode.locationLocked });
    expect(locked.message).toBe('prune: expected no fresh lock at locks/prune.json, found one');
    const config = new StreamvaultError('bad', { code: 'CONFIG_INVALID' });
    expect({ retriable: config.retriable, exitCode: config.exitCode }).toEqual({ retriable: ERROR_CODES.CONFIG_INVALID.retriable, exitCode: ExitCode.badConfiguration });
  });

  it('lets one instance differ from its code: a source 5xx retriable, a 404 not, an exit code of its own', () => {
    expect(new StreamvaultError('GET https://src/x: expected 200, got 503', { code: 'STREAM_SOURCE_FAILED', retriable: true }).retriable).toBe(true);
    expect(new StreamvaultError('GET https://src/x: expected 200, got 404', { code: 'STREAM_SOURCE_FAILED', retriable: false }).retriable).toBe(false);
    const own = new StreamvaultError('x', { code: 'UNKNOWN', exitCode: ExitCode.partial });
    expect(own.exitCode).toBe(ExitCode.partial);
    expect(own.retriable).toBe(false);
  });

  it('keeps what it wraps as `cause`, and has no `cause` property when it wraps nothing', () => {
    const inner = new Error('socket hang up');
    expect(new StreamvaultError('upload failed', { code: 'NETWORK', cause: inner }).cause).toBe(inner);
    const bare = new StreamvaultError('bad', { code: 'CONFIG_INVALID' });
    expect(Object.hasOwn(bare, 'cause')).toBe(false);
    // A falsy value thrown is still a cause.
    expect(new StreamvaultError('x', { code: 'UNKNOWN', cause: 0 }).cause).toBe(0);
  });
});
