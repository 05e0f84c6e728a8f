import { formatProblems, loadConfig, type Config } from '../config/load-config.js';
import { s3Settings, s3WriteSettings } from '../config/settings.js';
import type { ErrorCode } from '../errors/error-codes.js';
import { exitCodeOf } from '../errors/exit-code-of.js';
import { StreamvaultError } from '../errors/streamvault-error.js';
import type { ExitCodeValue } from '../exit-codes.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { ensureBucket } from '../storage/ensure-bucket.js';
import { KeyLayout } from '../storage/key-layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import { DecryptingObjectStore } from '../storage/decrypting-object-store.js';
import { checkBackupPresent } from '../storage/repository-config.js';
import { createS3Client, S3ObjectStore, s3WriteOptions } from '../storage/s3-object-store.js';
import type { ShutdownSignals } from '../process-signals.js';

/** What every command starts from: the environment, read once, and where to write messages. */
export interface CliEnvironment {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly isTTY: boolean;
  /** Where SIGTERM/SIGINT go while the command runs (cli.ts owns the process's handlers). */
  readonly signals: ShutdownSignals;
  /**
   * The backup bucket as the configuration names it, before decryption (commands always read it
   * through DecryptingObjectStore). Default: the S3 bucket (openS3Store); tests pass a store in memory.
   */
  readonly openStore?: (config: Config) => ObjectStore;
}

export interface CommandContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: ObjectStore;
  readonly layout: KeyLayout;
}

export type ContextResult = { ok: true; context: CommandContext } | { ok: false; exitCode: ExitCodeValue };

/**
 * Loads and validates the configuration (printing every problem), then makes the logger and the
 * object store. `requireBucket` checks the backup location exists (creating it only if allowed);
 * `backup`: the bucket exists and holds a backup under the prefix (read commands), else exit 3.
 */
export async function createCommandContext(
  cli: CliEnvironment,
  options: { requireBucket: 'exists' | 'backup' | 'create-if-allowed' | 'no-check' },
): Promise<ContextResult> {
  const loaded = loadConfig(cli.env);
  if (!loaded.ok) {
    return { ok: false, exitCode: refuse(cli, formatProblems(loaded.problems), 'CONFIG_INVALID') };
  }
  const config = loaded.config;
  const logger = createLogger(config.LOG_LEVEL);
  if (loaded.unknownVariables.length > 0) {
    logger.warn({ variables: loaded.unknownVariables }, 'ignoring unknown STREAMVAULT_ variables; is one misspelt?');
  }
  // Every read of events objects and streams decrypts (client-side encryption; a no-op on plain objects).
  const store = new DecryptingObjectStore((cli.openStore ?? openS3Store)(config), config.encryptionKeys, `${config.S3_PREFIX}events/`);
  if (options.requireBucket !== 'no-check') {
    try {
      const creation = options.requireBucket !== 'create-if-allowed' ? 'never' : config.S3_CREATE_BUCKET ? 'allowed' : 'not-enabled';
      const bucket = await ensureBucket(store, creation, logger);
      if (bucket.kind === 'missing') {
        logger.error({ bucket: config.S3_BUCKET }, bucket.message);
        return { ok: false, exitCode: refuse(cli, bucket.message, 'BACKUP_LOCATION_MISSING') };
      }
      if (options.requireBucket === 'backup') {
        const presence = await checkBackupPresent(store, new KeyLayout(config.S3_PREFIX));
        if (presence.kind === 'empty') {
          logger.error({ bucket: config.S3_BUCKET, prefix: config.S3_PREFIX }, presence.message);
          return { ok: false, exitCode: refuse(cli, presence.message, 'BACKUP_LOCATION_MISSING') };
        }
      }
    } catch (error) {
      const where = config.S3_ENDPOINT || 'AWS S3';
      logger.error({ err: error, bucket: config.S3_BUCKET, endpoint: where }, 'cannot reach the backup bucket');
      cli.stderr.write(
        `streamvault: cannot reach bucket ${config.S3_BUCKET} at ${where} (${config.S3_MAX_ATTEMPTS} attempts; timeouts: ` +
          `connect ${config.S3_CONNECT_TIMEOUT_MS} ms, request ${config.S3_REQUEST_TIMEOUT_MS} ms, idle socket ${config.S3_SOCKET_TIMEOUT_MS} ms): ${describeS3Failure(error, config)}\n`,
      );
      return { ok: false, exitCode: exitCodeOf(error) };
    }
  }
  return { ok: true, context: { config, logger, store, layout: new KeyLayout(config.S3_PREFIX) } };
}

/** The configured S3 bucket, with the configuration's client settings and write options. */
export function openS3Store(config: Config): ObjectStore {
  return new S3ObjectStore(createS3Client(s3Settings(config)), config.S3_BUCKET, s3WriteOptions(s3WriteSettings(config)));
}

/**
 * Writes `streamvault: {message}` to stderr and returns the exit code of `code`: a command that
 * refuses to run says why and lets src/errors choose the number.
 */
export function refuse(cli: Pick<CliEnvironment, 'stderr'>, message: string, code: ErrorCode): ExitCodeValue {
  cli.stderr.write(`streamvault: ${message}\n`);
  return exitCodeOf(new StreamvaultError(message, { code }));
}

/**
 * An S3 error as the operator needs it: a HEAD answer has no body, so the SDK's message alone can
 * be `UnknownError`; the HTTP status and, for 403, where the credentials came from, say more.
 */
function describeS3Failure(error: unknown, config: Config): string {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const message = (error as Error).message;
  if (status === undefined) return message;
  const credentials = config.S3_ACCESS_KEY_ID
    ? `access key id ${config.S3_ACCESS_KEY_ID} from STREAMVAULT_S3_ACCESS_KEY_ID`
    : "the AWS SDK's default credential chain";
  return status === 403
    ? `${message} (HTTP 403: the credentials were refused or may not use this bucket; ${credentials})`
    : `${message} (HTTP ${status})`;
}
