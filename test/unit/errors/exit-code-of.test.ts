import { S3ServiceException } from '@aws-sdk/client-s3';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorCode } from '../../../src/errors/error-codes.js';
import { exitCodeFor, exitCodeOf, exitCodeOfCompletion, exitCodeOfRestore } from '../../../src/errors/exit-code-of.js';
import { StreamvaultError } from '../../../src/errors/streamvault-error.js';
import { ExitCode } from '../../../src/exit-codes.js';

describe('exitCodeOf', () => {
  it('maps each code to its documented exit code, also when the error is wrapped', () => {
    const expected: Partial<Record<ErrorCode, number>> = {
      CONFIG_INVALID: 2,
      SCHEMA_LOAD_FAILED: 2,
      BACKUP_LOCATION_MISSING: 3,
      STATE_DIR_UNUSABLE: 6,
      LOCATION_LOCKED: 8,
      KAFKA_AUTH: 1,
      S3_ACCESS_DENIED: 1,
      UNKNOWN: 1,
    };
    for (const [code, exit] of Object.entries(expected)) {
      const error = new StreamvaultError(`a ${code}`, { code: code as ErrorCode });
      expect(exitCodeOf(error), code).toBe(exit);
      expect(exitCodeOf(new Error('wrapper', { cause: error })), code).toBe(exit);
    }
  });

  it('exitCodeFor gives what exitCodeOf gives for an error of that code', () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) expect(exitCodeFor(code), code).toBe(exitCodeOf(new StreamvaultError(code, { code })));
  });

  it('third-party errors exit 1; an error may carry an exit code of its own', () => {
    const KafkaJSSASLAuthenticationError = kafkajs.KafkaJSSASLAuthenticationError as unknown as new (m: string) => Error;
    expect(exitCodeOf(new KafkaJSSASLAuthenticationError('SASL PLAIN authentication failed'))).toBe(ExitCode.failure);
    expect(exitCodeOf(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Access Denied' }))).toBe(ExitCode.failure);
    expect(exitCodeOf(new Error('boom'))).toBe(ExitCode.failure);
    expect(exitCodeOf(new StreamvaultError('journal could not be written', { code: 'UNKNOWN', exitCode: ExitCode.stateDirUnusable }))).toBe(ExitCode.stateDirUnusable);
  });
});

describe('exitCodeOfCompletion', () => {
  it('is 4 when an item failed, else 0', () => {
    expect(exitCodeOfCompletion(0)).toBe(ExitCode.ok);
    expect(exitCodeOfCompletion(1)).toBe(ExitCode.partial);
    expect(exitCodeOfCompletion(17)).toBe(ExitCode.partial);
  });
});

describe('exitCodeOfRestore', () => {
  it('1 on a failed produce, else 4 on a failed item, else 7 when only groups were refused, else 0', () => {
    expect(exitCodeOfRestore({ produceFailures: 1, failedItems: 3, refusedGroups: 1 })).toBe(ExitCode.failure);
    expect(exitCodeOfRestore({ produceFailures: 0, failedItems: 1, refusedGroups: 2 })).toBe(ExitCode.partial);
    expect(exitCodeOfRestore({ produceFailures: 0, failedItems: 0, refusedGroups: 2 })).toBe(ExitCode.groupsNotEmpty);
    expect(exitCodeOfRestore({ produceFailures: 0, failedItems: 0, refusedGroups: 0 })).toBe(ExitCode.ok);
  });
});
