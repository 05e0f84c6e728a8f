import { ExitCode, type ExitCodeValue } from '../exit-codes.js';

/**
 * Every error code of streamvault, with what it means for a caller: whether another attempt may
 * succeed (`retriable`), the process exit code a command that stops on it returns (`exitCode`),
 * and whether it is about credentials or permissions, which no retry fixes (`credentials`).
 * A code never changes meaning; logs and `--json` lines carry it.
 */
export const ERROR_CODES = {
  /** Invalid configuration or arguments. */
  CONFIG_INVALID: { retriable: false, exitCode: ExitCode.badConfiguration, credentials: false },
  /** An Avro schema file or directory could not be loaded. */
  SCHEMA_LOAD_FAILED: { retriable: false, exitCode: ExitCode.badConfiguration, credentials: false },
  /** The bucket does not exist, or holds no backup under the prefix. */
  BACKUP_LOCATION_MISSING: { retriable: false, exitCode: ExitCode.missingBackupLocation, credentials: false },
  /** The state directory is missing, not writable, or its journal could not be written. */
  STATE_DIR_UNUSABLE: { retriable: false, exitCode: ExitCode.stateDirUnusable, credentials: false },
  /** The state directory is held by another streamvault process (its lock file). */
  STATE_DIR_LOCKED: { retriable: true, exitCode: ExitCode.failure, credentials: false },
  /** A prune's or a backup daemon's fresh lock holds the location; retry once it ended. */
  LOCATION_LOCKED: { retriable: true, exitCode: ExitCode.locationLocked, credentials: false },
  /** No Kafka broker answered (connection refused, reset, timed out, no broker available). */
  KAFKA_UNREACHABLE: { retriable: true, exitCode: ExitCode.failure, credentials: false },
  /** A transient Kafka error (no leader yet, coordinator loading, request timed out). */
  KAFKA_RETRIABLE: { retriable: true, exitCode: ExitCode.failure, credentials: false },
  /** SASL authentication, an ACL, or a broker certificate TLS refused. */
  KAFKA_AUTH: { retriable: false, exitCode: ExitCode.failure, credentials: true },
  /** Any other kafkajs error. */
  KAFKA_FATAL: { retriable: false, exitCode: ExitCode.failure, credentials: false },
  /** S3 refused the credentials or the request (HTTP 403, AccessDenied, InvalidAccessKeyId, ...). */
  S3_ACCESS_DENIED: { retriable: false, exitCode: ExitCode.failure, credentials: true },
  /** S3: NoSuchBucket during a run (before one, createCommandContext's check returns exit 3). */
  S3_BUCKET_MISSING: { retriable: false, exitCode: ExitCode.failure, credentials: false },
  /** S3: an object that does not exist (404, NoSuchKey, NotFound). */
  S3_OBJECT_MISSING: { retriable: false, exitCode: ExitCode.failure, credentials: false },
  /** S3: a conditional write whose condition did not hold (412, or 409 ConditionalRequestConflict). */
  S3_PRECONDITION_FAILED: { retriable: false, exitCode: ExitCode.failure, credentials: false },
  /** S3: throttled, a 5xx, or an answer the SDK marks `$retryable`. */
  S3_RETRIABLE: { retriable: true, exitCode: ExitCode.failure, credentials: false },
  /** Any other S3 answer. */
  S3_FAILED: { retriable: false, exitCode: ExitCode.failure, credentials: false },
  /** A network error below any protocol (ECONNRESET, ETIMEDOUT, ECONNREFUSED, EPIPE, DNS). */
  NETWORK: { retriable: true, exitCode: ExitCode.failure, credentials: false },
  /** A client-side encrypted object names a key id that is not configured. */
  ENCRYPTION_KEY_UNKNOWN: { retriable: false, exitCode: ExitCode.failure, credentials: false },
  /** A client-side encrypted object failed authentication (damaged, truncated, reordered). */
  ENCRYPTED_OBJECT_DAMAGED: { retriable: false, exitCode: ExitCode.failure, credentials: false },
  /** A stream object lists an encoding this version does not know. */
  UNKNOWN_STREAM_ENCODING: { retriable: false, exitCode: ExitCode.failure, credentials: false },
  /** A batch a newer generation of its consumer group owns: not written, the new owner re-reads it. */
  STALE_BATCH: { retriable: false, exitCode: ExitCode.failure, credentials: false },
  /** A batch came before the worker knew its group generation (the fencing token). */
  FENCE_UNKNOWN: { retriable: true, exitCode: ExitCode.failure, credentials: false },
  /** A record batch its codec could not decompress: the same bytes fail the same way at every fetch. */
  COMPRESSION_CODEC: { retriable: false, exitCode: ExitCode.failure, credentials: false },
  /** A request to a stream source failed; each error says whether another attempt may succeed. */
  STREAM_SOURCE_FAILED: { retriable: true, exitCode: ExitCode.failure, credentials: false },
  /** A stream source sent no bytes for the idle timeout. */
  STREAM_TIMEOUT: { retriable: true, exitCode: ExitCode.failure, credentials: false },
  /** The backup bucket failed a stream's HEAD or upload: the destination, not the source (the pool waits it out for all streams). */
  STREAM_DESTINATION_FAILED: { retriable: false, exitCode: ExitCode.failure, credentials: false },
  /** A stream's content does not hash to its sha256: never stored. */
  STREAM_HASH_MISMATCH: { retriable: false, exitCode: ExitCode.failure, credentials: false },
  /** A stream's content is not the length its source announced. */
  STREAM_SIZE_MISMATCH: { retriable: true, exitCode: ExitCode.failure, credentials: false },
  /** The restore's stream target refused or failed a post; each error says whether another attempt may succeed. */
  STREAM_TARGET_FAILED: { retriable: false, exitCode: ExitCode.failure, credentials: false },
  /** A restore's pre- or post-hook failed or timed out. */
  HOOK_FAILED: { retriable: false, exitCode: ExitCode.failure, credentials: false },
  /** Anything not classified above. */
  UNKNOWN: { retriable: false, exitCode: ExitCode.failure, credentials: false },
} as const satisfies Record<string, { readonly retriable: boolean; readonly exitCode: ExitCodeValue; readonly credentials: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
