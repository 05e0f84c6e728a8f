import { NoSuchBucket, NoSuchKey, S3ServiceException } from '@aws-sdk/client-s3';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { classify, isCredentialOrPermissionError, isRetriable } from '../../../src/errors/classify.js';
import { StreamvaultError } from '../../../src/errors/streamvault-error.js';
import { ExitCode } from '../../../src/exit-codes.js';

/** kafkajs's type declarations leave out the constructors' arguments that its src/errors.js takes. */
type Ctor = new (...args: unknown[]) => Error;
const k = kafkajs as unknown as Record<string, Ctor>;
const givenUp = (e: Error) => new k.KafkaJSNumberOfRetriesExceeded!(e, { retryCount: 5, retryTime: 300 });
const protocol = (type: string, retriable: boolean) => new k.KafkaJSProtocolError!({ type, code: 0, retriable, message: type } as never);

/** What the SDK's deserializer makes of an answer it has no class for (extra: fields its retry strategy sets later, like `$retryable`). */
const s3 = (name: string, status: number | undefined, extra: Record<string, unknown> = {}) =>
  Object.assign(new S3ServiceException({ name, $fault: status !== undefined && status >= 500 ? 'server' : 'client', $metadata: status === undefined ? {} : { httpStatusCode: status }, message: `${name} message` }), extra);

describe('classify: kafkajs errors, unwrapped and wrapped', () => {
  it('a SASL failure, however wrapped, is KAFKA_AUTH, not retriable, a credential error', () => {
    const sasl = new k.KafkaJSSASLAuthenticationError!('SASL SCRAM-SHA-512 authentication failed: invalid credentials');
    for (const error of [sasl, givenUp(sasl), new Error('consumer crashed', { cause: sasl }), new AggregateError([new Error('other'), sasl], 'two failed')]) {
      expect(classify(error)).toMatchObject({ code: 'KAFKA_AUTH', retriable: false, exitCode: ExitCode.failure });
      expect(isCredentialOrPermissionError(error)).toBe(true);
    }
  });

  it('an ACL refusal inside kafkajs\'s non-retriable wrapper is a permission error', () => {
    const denied = protocol('GROUP_AUTHORIZATION_FAILED', false);
    const wrapped = new k.KafkaJSNonRetriableError!(denied, { cause: denied });
    expect(classify(wrapped).code).toBe('KAFKA_AUTH');
    expect(isCredentialOrPermissionError(wrapped)).toBe(true);
  });

  it('a metadata error in KafkaJSNumberOfRetriesExceeded is retriable (the name check on the wrapper said fatal)', () => {
    const wrapped = givenUp(new k.KafkaJSMetadataNotLoaded!('Producing to topic without metadata'));
    expect(wrapped.name).toBe('KafkaJSNumberOfRetriesExceeded');
    expect(classify(wrapped)).toEqual({ code: 'KAFKA_RETRIABLE', retriable: true, exitCode: ExitCode.failure, root: 'KafkaJSMetadataNotLoaded: Producing to topic without metadata' });
    expect(isRetriable(new Error('restore failed', { cause: wrapped }))).toBe(true);
    expect(isCredentialOrPermissionError(wrapped)).toBe(false);
  });

  it('a refused connection is KAFKA_UNREACHABLE and retriable; a certificate TLS refused is a credential error', () => {
    const refused = givenUp(new k.KafkaJSConnectionError!('Connection error: connect ECONNREFUSED 127.0.0.1:9092', { broker: 'b:9092', code: 'ECONNREFUSED' }));
    expect(classify(refused)).toMatchObject({ code: 'KAFKA_UNREACHABLE', retriable: true });
    expect(isCredentialOrPermissionError(refused)).toBe(false);
    const tls = new k.KafkaJSConnectionError!('Connection error: self-signed certificate in certificate chain', { broker: 'b:9093', code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    expect(classify(tls).code).toBe('KAFKA_AUTH');
    expect(isCredentialOrPermissionError(tls)).toBe(true);
    const handshake = Object.assign(new Error('SSL routines:ssl3_get_record:wrong version number'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' });
    expect(isCredentialOrPermissionError(new k.KafkaJSConnectionError!(handshake.message, { broker: 'b:9093', code: 'ERR_SSL_WRONG_VERSION_NUMBER' }))).toBe(true);
    expect(isCredentialOrPermissionError(handshake)).toBe(true);
  });

  it('a rebalance-time protocol error kafkajs gave up on is fatal to the call, not a credential error (the pair worker restarts)', () => {
    const fatal = new k.KafkaJSNonRetriableError!(protocol('ILLEGAL_GENERATION', false), {});
    expect(classify(fatal)).toMatchObject({ code: 'KAFKA_FATAL', retriable: false });
    expect(isCredentialOrPermissionError(fatal)).toBe(false);
  });
});

describe('classify: AWS SDK errors, unwrapped and wrapped', () => {
  it('NoSuchBucket and NoSuchKey by their classes', () => {
    const bucket = new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: { httpStatusCode: 404 } });
    expect(classify(bucket)).toMatchObject({ code: 'S3_BUCKET_MISSING', retriable: false, exitCode: ExitCode.failure });
    const key = new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });
    expect(classify(new Error('cannot read backup object', { cause: key })).code).toBe('S3_OBJECT_MISSING');
  });

  it('AccessDenied, a bare 403 and a refused access key are credential errors, also wrapped', () => {
    for (const error of [s3('AccessDenied', 403), s3('UnknownError', 403), s3('InvalidAccessKeyId', 403), new Error('upload failed', { cause: s3('SignatureDoesNotMatch', 403) })]) {
      expect(classify(error)).toMatchObject({ code: 'S3_ACCESS_DENIED', retriable: false });
      expect(isCredentialOrPermissionError(error)).toBe(true);
    }
  });

  it('5xx, SlowDown, 429 and $retryable answers are retriable; other answers are not', () => {
    expect(classify(s3('InternalError', 500)).code).toBe('S3_RETRIABLE');
    expect(classify(s3('SlowDown', 503)).code).toBe('S3_RETRIABLE');
    expect(classify(s3('TooManyRequests', 429)).code).toBe('S3_RETRIABLE');
    expect(classify(s3('Whatever', 400, { $retryable: { throttling: true } })).code).toBe('S3_RETRIABLE');
    expect(classify(s3('InvalidArgument', 400))).toMatchObject({ code: 'S3_FAILED', retriable: false });
    expect(classify(s3('PreconditionFailed', 412)).code).toBe('S3_PRECONDITION_FAILED');
  });

  it('a network error under an answer-less SDK error, or alone, is NETWORK and retriable', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const sdk = Object.assign(new Error('request failed'), { $metadata: { attempts: 3 }, cause: reset });
    expect(classify(sdk)).toEqual({ code: 'NETWORK', retriable: true, exitCode: ExitCode.failure, root: 'Error: socket hang up' });
    expect(classify(Object.assign(new Error('connect ETIMEDOUT 10.0.0.1:443'), { code: 'ETIMEDOUT' })).code).toBe('NETWORK');
    expect(classify(new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) })).code).toBe('NETWORK');
  });
});

describe('classify: streamvault\'s own errors and the rest', () => {
  it('streamvault\'s error decides, whatever it wraps, and keeps its own retriable and exit code', () => {
    const locked = new StreamvaultError('prune: expected no fresh lock at locks/prune.json, found one', { code: 'LOCATION_LOCKED', cause: s3('AccessDenied', 403) });
    expect(classify(locked)).toEqual({ code: 'LOCATION_LOCKED', retriable: true, exitCode: ExitCode.locationLocked, root: 'StreamvaultError: prune: expected no fresh lock at locks/prune.json, found one' });
    expect(classify(new Error('outer', { cause: locked })).exitCode).toBe(ExitCode.locationLocked);
    expect(classify(new StreamvaultError('x', { code: 'KAFKA_FATAL', retriable: true })).retriable).toBe(true);
  });

  it('anything else is UNKNOWN: exit 1, not retriable', () => {
    expect(classify(new TypeError('boom'))).toEqual({ code: 'UNKNOWN', retriable: false, exitCode: ExitCode.failure, root: 'TypeError: boom' });
    expect(classify('a string')).toMatchObject({ code: 'UNKNOWN', root: 'a string' });
    expect(classify(undefined).code).toBe('UNKNOWN');
  });
});

describe('streamvault\'s error classes carry their codes', () => {
  it('a location lock exits 8 and may be retried, a stream source error is retriable as it says, a codec error is not', async () => {
    const { LocationLockedError } = await import('../../../src/storage/location-locks.js');
    const { StreamSourceError } = await import('../../../src/streams/stream-source.js');
    const { CompressionCodecError } = await import('../../../src/kafka/compression-codecs.js');
    const { SchemaLoadError } = await import('../../../src/events/schema-registry.js');
    const locked = new LocationLockedError('locks/prune.json', undefined, 'another prune holds the lock');
    expect(classify(new Error('prune failed', { cause: locked }))).toMatchObject({ code: 'LOCATION_LOCKED', retriable: true, exitCode: ExitCode.locationLocked });
    expect(locked.name).toBe('LocationLockedError');
    expect(isRetriable(new StreamSourceError('GET https://src/x: expected 200, got 503', true))).toBe(true);
    expect(isRetriable(new StreamSourceError('GET https://src/x: expected 200, got 404', false))).toBe(false);
    const codec = new CompressionCodecError('zstd', new Error('bad frame'));
    expect(classify(codec)).toMatchObject({ code: 'COMPRESSION_CODEC', retriable: false });
    expect(codec.retriable).toBe(false);
    const schema = new SchemaLoadError('/schemas/x.avsc', 'Expected Avro schema file /schemas/x.avsc to hold JSON, but it does not parse');
    expect(schema.name).toBe('SchemaLoadError');
    expect(classify(schema)).toMatchObject({ code: 'SCHEMA_LOAD_FAILED', exitCode: ExitCode.badConfiguration });
  });
});
