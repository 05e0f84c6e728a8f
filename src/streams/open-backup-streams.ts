import { exitCodeFor } from '../errors/exit-code-of.js';
import { manifestOnlyPipeline, type StreamPipeline } from './stream-pipeline.js';
import type { Config } from '../config/load-config.js';
import type { ExitCodeValue } from '../exit-codes.js';
import { openStreamFileCache } from '../filecache/stream-file-cache.js';
import type { Logger } from '../observability/logger.js';
import type { ReadinessReporter } from '../observability/readiness-problems.js';
import { KeyLayout } from '../storage/key-layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import { createStreamPipeline, type BackupStreamPipeline, type StreamPipelineObserver } from './backup-stream-pipeline.js';
import { MissingStreamMarkers } from './missing-stream-markers.js';
import { createStreamCopier, createStreamSource, streamSourceSettings } from './stream-settings.js';

export type BackupStreams =
  | {
      kind: 'ready';
      pipeline: StreamPipeline;
      /** The real pipeline (its `stats`), undefined when no stream source is configured. */
      streams: BackupStreamPipeline | undefined;
      /** Closes the journals and releases the state directory's lock. Idempotent. */
      close: () => Promise<void>;
    }
  | { kind: 'refused'; exitCode: ExitCodeValue; message: string };

/**
 * The daemon's stream side from the configuration: none (references only in manifests), or the
 * pipeline over the file cache in `stateDir` (checked writable by the caller).
 */
export async function openBackupStreams(
  config: Config,
  deps: { logger: Logger; store: ObjectStore; stateDir: string; observer?: StreamPipelineObserver; readiness?: ReadinessReporter },
): Promise<BackupStreams> {
  const settings = streamSourceSettings(config);
  if (settings.kind === 'invalid') {
    return { kind: 'refused', exitCode: exitCodeFor('CONFIG_INVALID'), message: `invalid configuration: ${settings.problems.join('; ')}` };
  }
  if (settings.kind === 'none') {
    deps.logger.info('no stream source configured (STREAMVAULT_STREAM_SOURCE): stream references are kept in the manifests only');
    return { kind: 'ready', pipeline: manifestOnlyPipeline(), streams: undefined, close: async () => {} };
  }
  const opened = await openStreamFileCache(deps.stateDir);
  if (opened.kind !== 'open') return { kind: 'refused', exitCode: exitCodeFor('STATE_DIR_UNUSABLE'), message: opened.message };
  const layout = new KeyLayout(config.S3_PREFIX);
  const source = createStreamSource(config, settings);
  const copier = createStreamCopier(config, { store: deps.store, layout, logger: deps.logger, source });
  const pipeline = createStreamPipeline({
    cache: opened.cache,
    copier,
    logger: deps.logger,
    hitCacheSize: config.STREAM_HIT_CACHE_SIZE,
    concurrency: config.STREAM_CONCURRENCY,
    maxQueued: config.STREAM_QUEUE_SIZE,
    maxConsecutiveFailures: config.STREAM_MAX_CONSECUTIVE_FAILURES,
    now: () => new Date(),
    observer: deps.observer,
    readiness: deps.readiness,
    markers: new MissingStreamMarkers(deps.store, layout),
    failedRetry: {
      minDelayMs: Math.round(config.STREAM_FAILED_RETRY_MIN_SECONDS * 1000),
      maxDelayMs: Math.round(Math.max(config.STREAM_FAILED_RETRY_MIN_SECONDS, config.STREAM_FAILED_RETRY_MAX_SECONDS) * 1000),
    },
    missingRetryWindowMs: config.STREAM_MISSING_RETRY_WINDOW_SECONDS * 1000,
    destinationBackoff: {
      minDelayMs: Math.round(config.STREAM_RETRY_MIN_DELAY_SECONDS * 1000),
      maxDelayMs: Math.round(Math.max(config.STREAM_RETRY_MIN_DELAY_SECONDS, config.STREAM_DESTINATION_BACKOFF_MAX_SECONDS) * 1000),
    },
  });
  deps.logger.info({ source: settings.kind, concurrency: config.STREAM_CONCURRENCY, queue: config.STREAM_QUEUE_SIZE }, 'stream pipeline configured');
  return { kind: 'ready', pipeline, streams: pipeline, close: () => opened.cache.close() };
}
