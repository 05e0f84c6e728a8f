import type { ErrorCode } from './error-codes.js';

/**
 * The AWS SDK v3's errors (S3ServiceException and the `$metadata` every service exception and most
 * client-side failures carry), read by shape rather than class: the SDK builds a
 * ServiceException for answers it has no class for, and several copies of @smithy/smithy-client
 * may be installed, so `instanceof S3ServiceException` alone misses some.
 */
interface AwsErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly $fault?: unknown;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

/** Error names S3 (and its STS credential chain) answers when credentials or permissions are refused. */
const ACCESS_DENIED_NAMES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'AllAccessDisabled',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'CredentialsProviderError',
]);

const NOT_FOUND_NAMES = new Set(['NoSuchKey', 'NotFound', 'NoSuchVersion', 'NoSuchUpload']);
const THROTTLING_NAMES = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestTimeout', 'InternalError', 'ServiceUnavailable', 'TimeoutError']);

/** Node's (and undici's) codes of a connection that failed below any protocol. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The HTTP status the SDK recorded, when the error is an answer of a service. */
export function awsHttpStatus(error: unknown): number | undefined {
  const status = (error as AwsErrorShape | null)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Whether the error looks like one of the AWS SDK v3's: a `$metadata` object, or a `$fault`. */
export function isAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as AwsErrorShape;
  return (typeof e.$metadata === 'object' && e.$metadata !== null) || e.$fault === 'client' || e.$fault === 'server';
}

/** The code of one AWS SDK error (not its chain), or undefined when it is not one. */
export function classifyAwsError(error: unknown): ErrorCode | undefined {
  if (!isAwsError(error)) return undefined;
  const e = error as AwsErrorShape;
  const name = typeof e.name === 'string' ? e.name : '';
  const status = awsHttpStatus(error);
  if (ACCESS_DENIED_NAMES.has(name) || status === 403) return 'S3_ACCESS_DENIED';
  if (name === 'NoSuchBucket') return 'S3_BUCKET_MISSING';
  if (NOT_FOUND_NAMES.has(name) || status === 404) return 'S3_OBJECT_MISSING';
  if (name === 'PreconditionFailed' || status === 412 || (status === 409 && name === 'ConditionalRequestConflict')) return 'S3_PRECONDITION_FAILED';
  if (e.$retryable !== undefined && e.$retryable !== null && e.$retryable !== false) return 'S3_RETRIABLE';
  if (THROTTLING_NAMES.has(name) || status === 429 || (status !== undefined && status >= 500)) return 'S3_RETRIABLE';
  // The SDK gave up before any answer: the network error is in the chain, classified there.
  if (status === undefined && isNetworkError(error)) return 'NETWORK';
  return 'S3_FAILED';
}

/** Whether this one error (not its chain) is a network failure by its Node code or the SDK's timeout names. */
export function isNetworkError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, name } = error as AwsErrorShape;
  return (typeof code === 'string' && NETWORK_CODES.has(code)) || name === 'TimeoutError';
}
