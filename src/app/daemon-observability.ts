import type { StreamPipeline } from '../streams/stream-pipeline.js';
import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import type { BackupDaemon } from '../backup/backup-daemon.js';
import type { PairWorker, PairWorkerObserver } from '../backup/pair-worker.js';
import type { Config } from '../config/load-config.js';
import { backupGroupsFor } from '../config/settings.js';
import type { KeyLayout } from '../storage/key-layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import { PeriodicValidation } from '../verify/periodic-validation.js';
import { LagMonitor, type OffsetsAdmin } from '../observability/consumer-lag.js';
import type { DaemonHealth } from '../observability/daemon-health.js';
import type { Logger } from '../observability/logger.js';
import { registerBackupMetrics } from '../observability/metrics.js';
import { ProgressLog } from '../observability/progress-log.js';
import { readinessOf } from '../observability/readiness.js';
import type { ReadinessProblems } from '../observability/readiness-problems.js';
import { S3WriteProbe } from '../observability/s3-write-probe.js';
import { readStreamStats } from '../observability/stream-stats.js';

export interface DaemonObservabilityDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: ObjectStore;
  readonly layout: KeyLayout;
  readonly daemon: Pick<BackupDaemon, 'state'>;
  readonly workers: readonly PairWorker[];
  /** The stream pipeline; its `stats` feed the stream metrics when it has them. */
  readonly streams: StreamPipeline;
  /** Connected admin client, for consumer lag; undefined when Kafka admin is unavailable. */
  readonly admin: OffsetsAdmin | undefined;
  readonly wallNow: () => number;
  /** Conditions set by components (state dir full, backup bucket unreachable, stuck partition). */
  readonly readinessProblems?: Pick<ReadinessProblems, 'list'>;
  /** The health server, started before anything else; its registry takes the metrics. */
  readonly health: DaemonHealth;
}

export interface DaemonObservability {
  /** Feed for the workers' observer (periodic validation remembers recent batches). */
  readonly observer: PairWorkerObserver;
  readonly registry: Registry;
  readonly lag: LagMonitor | undefined;
  /** Stops timers, waits for a validation in progress. Safe to call twice. The health server is the caller's to close. */
  stop(): Promise<void>;
}

/**
 * Starts everything that lets operators watch the daemon: metrics and readiness on the health
 * server already listening, the S3 write probe behind readiness, the consumer-lag poll, the per-pair progress line, and the
 * periodic validation.
 */
export async function startDaemonObservability(deps: DaemonObservabilityDeps): Promise<DaemonObservability> {
  const { config, logger, store, layout, workers, daemon, wallNow } = deps;
  const startedAt = wallNow();
  const registry = deps.health.registry;

  const lag = deps.admin
    ? new LagMonitor({
        admin: deps.admin,
        pairs: workers.map((w) => ({ pair: w.pair, groupIds: backupGroupsFor(config, w.pair) })),
        fromBeginning: config.KAFKA_FROM_BEGINNING,
        intervalMs: Math.round(config.LAG_POLL_SECONDS * 1000),
        onError: (pair, error) => logger.debug({ pair: `${pair.source}/${pair.event}`, err: error }, 'consumer lag poll failed'),
      })
    : undefined;

  const probeIntervalMs = Math.round(config.READINESS_PROBE_SECONDS * 1000);
  const probe = new S3WriteProbe({
    store,
    key: layout.readinessProbeKey(hostname()),
    intervalMs: probeIntervalMs,
    timeoutMs: Math.max(1000, Math.min(10_000, probeIntervalMs)),
    wallNow,
    logger,
    onRecovered: () => deps.streams.destinationWritable?.(),
  });
  const readiness = () =>
    readinessOf({
      daemonState: () => daemon.state,
      workers,
      s3: () => probe.status,
      problems: () => [...(deps.readinessProblems?.list() ?? []), ...silentBrokers(workers, config)],
    });

  const metrics = registerBackupMetrics(registry, {
    workers,
    offsets: () => lag?.snapshot() ?? [],
    streams: () => readStreamStats(deps.streams),
    ready: () => readiness().ready,
    s3Writable: () => (probe.status.kind === 'unknown' ? undefined : probe.status.kind === 'ok'),
    wallNow,
    startedAt,
  });

  const validation =
    config.VALIDATION_INTERVAL_SECONDS > 0
      ? new PeriodicValidation({
          store,
          layout,
          logger,
          intervalMs: config.VALIDATION_INTERVAL_SECONDS * 1000,
          sampleSize: config.VALIDATION_SAMPLE_SIZE,
          onResult: (result) => metrics.recordValidation(result),
        })
      : undefined;

  const progressLog = new ProgressLog({
    workers,
    lagOf: (pair) => lag?.lagOf(pair),
    logger,
    intervalMs: Math.round(config.PROGRESS_LOG_SECONDS * 1000),
  });

  deps.health.setReadiness(readiness);
  probe.start();
  lag?.start();
  progressLog.start();
  validation?.start();

  let stopping: Promise<void> | undefined;
  return {
    observer: { onBatchDurable: (_pair, entry) => validation?.remember(entry) },
    registry,
    lag,
    stop: () =>
      (stopping ??= (async () => {
        probe.stop();
        await lag?.stop();
        progressLog.stop();
        progressLog.logNow();
        await validation?.stop();
      })()),
  };
}

/**
 * The brokers, when they have not answered the consumer for longer than the connect timeout
 * (kafkajs keeps trying). Every pair reads through the one consumer: one line, not one a pair.
 */
function silentBrokers(workers: readonly Pick<PairWorker, 'pair' | 'state' | 'silentForMs'>[], config: Config): string[] {
  const limitMs = config.KAFKA_CONNECT_TIMEOUT_SECONDS * 1000;
  const silent = Math.max(0, ...workers.filter((w) => w.state === 'running').map((w) => w.silentForMs() ?? 0));
  if (silent <= limitMs) return [];
  return [`kafka: the brokers ${config.KAFKA_BROKERS.join(',')} have not answered the backup's consumer for ${Math.round(silent / 1000)} s`];
}
