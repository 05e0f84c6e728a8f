import { NoSuchBucket, S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { awsHttpStatus, classifyAwsError, isAwsError, isNetworkError } from '../../../src/errors/aws-errors.js';

/** What the SDK's deserializer makes of an answer it has no class for (extra: fields its retry strategy sets later, like `$retryable`). */
const answer = (name: string, status: number | undefined, extra: Record<string, unknown> = {}) =>
  Object.assign(new S3ServiceException({ name, $fault: status !== undefined && status >= 500 ? 'server' : 'client', $metadata: status === undefined ? {} : { httpStatusCode: status }, message: `${name} message` }), extra);

describe('awsHttpStatus', () => {
  it("reads the status the SDK recorded, and nothing from an error without one or a status that is not a number", () => {
    expect(awsHttpStatus(answer('SlowDown', 503))).toBe(503);
    expect(awsHttpStatus(answer('TimeoutError', undefined))).toBeUndefined();
    expect(awsHttpStatus({ $metadata: { httpStatusCode: '503' } })).toBeUndefined();
    expect(awsHttpStatus(new Error('plain'))).toBeUndefined();
    expect(awsHttpStatus(null)).toBeUndefined();
    expect(awsHttpStatus(undefined)).toBeUndefined();
  });
});

describe('isAwsError', () => {
  it('knows an SDK error by its shape: a $metadata object or a client or server $fault, whatever its class', () => {
    expect(isAwsError(answer('AccessDenied', 403))).toBe(true);
    expect(isAwsError(new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: {} }))).toBe(true);
    expect(isAwsError(Object.assign(new Error('copy of another smithy-client'), { $metadata: {} }))).toBe(true);
    expect(isAwsError({ $fault: 'server' })).toBe(true);
    expect(isAwsError({ $fault: 'client' })).toBe(true);
  });

  it('refuses other errors and values, a null $metadata and an unknown $fault', () => {
    expect(isAwsError(new Error('plain'))).toBe(false);
    expect(isAwsError({ $metadata: null })).toBe(false);
    expect(isAwsError({ $fault: 'neither' })).toBe(false);
    expect(isAwsError('AccessDenied')).toBe(false);
    expect(isAwsError(null)).toBe(false);
  });
});

describe('classifyAwsError', () => {
  it('takes refused credentials by name or by a bare 403, before anything else', () => {
    for (const name of ['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'CredentialsProviderError']) expect(classifyAwsError(answer(name, 400)), name).toBe('S3_ACCESS_DENIED');
    expect(classifyAwsError(answer('UnknownError', 403))).toBe('S3_ACCESS_DENIED');
    // Refused credentials stay refused even when the SDK marked the answer retriable.
    expect(classifyAwsError(answer('ExpiredToken', 400, { $retryable: {} }))).toBe('S3_ACCESS_DENIED');
  });

  it('tells a missing bucket from a missing object (a 404 without a name is an object)', () => {
    expect(classifyAwsError(new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: { httpStatusCode: 404 } }))).toBe('S3_BUCKET_MISSING');
    for (const name of ['NoSuchKey', 'NotFound', 'NoSuchVersion', 'NoSuchUpload']) expect(classifyAwsError(answer(name, 404)), name).toBe('S3_OBJECT_MISSING');
    expect(classifyAwsError(answer('UnknownError', 404))).toBe('S3_OBJECT_MISSING');
  });

  it('takes a 412, PreconditionFailed and a 409 ConditionalRequestConflict as a failed condition; another 409 is not one', () => {
    expect(classifyAwsError(answer('PreconditionFailed', 412))).toBe('S3_PRECONDITION_FAILED');
    expect(classifyAwsError(answer('UnknownError', 412))).toBe('S3_PRECONDITION_FAILED');
    expect(classifyAwsError(answer('ConditionalRequestConflict', 409))).toBe('S3_PRECONDITION_FAILED');
    expect(classifyAwsError(answer('BucketAlreadyExists', 409))).toBe('S3_FAILED');
  });

  it('retries throttling, 429, any 5xx and what the SDK marks $retryable; not a $retryable of false', () => {
    for (const [name, status] of [['SlowDown', 503], ['InternalError', 500], ['Whatever', 502], ['TooManyRequests', 429], ['RequestTimeout', 400], ['ThrottlingException', 400]] as const) {
      expect(classifyAwsError(answer(name, status)), `${name} ${status}`).toBe('S3_RETRIABLE');
    }
    expect(classifyAwsError(answer('Whatever', 400, { $retryable: { throttling: true } }))).toBe('S3_RETRIABLE');
    expect(classifyAwsError(answer('Whatever', 400, { $retryable: false }))).toBe('S3_FAILED');
    expect(classifyAwsError(answer('Whatever', 400, { $retryable: null }))).toBe('S3_FAILED');
  });

  it('takes an answer-less SDK error with a network code as NETWORK; with an answer, the answer decides', () => {
    expect(classifyAwsError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', $metadata: {} }))).toBe('NETWORK');
    expect(classifyAwsError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', $metadata: { httpStatusCode: 400 } }))).toBe('S3_FAILED');
    expect(classifyAwsError(answer('TimeoutError', undefined))).toBe('S3_RETRIABLE');
  });

  it('is S3_FAILED for any other answer, and undefined for what is not an SDK error', () => {
    expect(classifyAwsError(answer('InvalidArgument', 400))).toBe('S3_FAILED');
    expect(classifyAwsError(Object.assign(new Error('request failed'), { $metadata: {} }))).toBe('S3_FAILED');
    expect(classifyAwsError(new Error('AccessDenied'))).toBeUndefined();
    expect(classifyAwsError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBeUndefined();
    expect(classifyAwsError(undefined)).toBeUndefined();
  });
});

describe('isNetworkError', () => {
  it("knows Node's and undici's connection codes and the SDK's TimeoutError, on this one error only", () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']) {
      expect(isNetworkError(Object.assign(new Error(code), { code })), code).toBe(true);
    }
    expect(isNetworkError(Object.assign(new Error('timed out'), { name: 'TimeoutError' }))).toBe(true);
    expect(isNetworkError(new Error('fetch failed', { cause: Object.assign(new Error('closed'), { code: 'UND_ERR_SOCKET' }) }))).toBe(false);
  });

  it('refuses other codes, a numeric code and values that are not objects', () => {
    expect(isNetworkError(Object.assign(new Error('no entry'), { code: 'ENOENT' }))).toBe(false);
    expect(isNetworkError(Object.assign(new Error('x'), { code: 104 }))).toBe(false);
    expect(isNetworkError('ECONNRESET')).toBe(false);
    expect(isNetworkError(null)).toBe(false);
  });
});
