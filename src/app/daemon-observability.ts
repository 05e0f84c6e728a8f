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
import { registerBackupMetrics, type BackupMetrics } from '../observability/metrics.js';
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

/** What the observability reads once the daemon exists: its state and its workers. */
export interface ObservedRun {
  readonly daemon: Pick<BackupDaemon, 'state'>;
  readonly workers: readonly PairWorker[];
}

/** The parts made once the workers exist: they read the workers (and the daemon) when asked. */
interface StartedParts {
  readonly metrics: BackupMetrics;
  readonly progressLog: ProgressLog;
}

/**
 * Everything that lets operators watch the daemon: metrics and readiness on the health server
 * already listening, the S3 write probe behind readiness, the consumer-lag poll, the per-pair
 * progress line, and the periodic validation.
 *
 * Made before the workers, since its `observer` (the validation feed) is one of theirs and `stop`
 * is the daemon's onStopped; `start` then gets the daemon and its workers, which the metrics,
 * readiness and progress log read at call time. Nothing runs before `start`.
 */
export class DaemonObservability {
  readonly #deps: DaemonObservabilityDeps;
  readonly #probe: S3WriteProbe;
  readonly #validation: PeriodicValidation | undefined;
  #started: StartedParts | undefined;
  #stopping: Promise<void> | undefined;
  readonly lag: LagMonitor | undefined;
  /** Feed for the workers' observer (periodic validation remembers recent batches). */
  readonly observer: PairWorkerObserver;

  constructor(deps: DaemonObservabilityDeps) {
    this.#deps = deps;
    const { config, logger, store, layout, wallNow } = deps;
    // One worker per configured pair, in this order (createBackupDaemon): the lag is the pairs'.
    this.lag = deps.admin
      ? new LagMonitor({
          admin: deps.admin,
          pairs: config.pairs.map((pair) => ({ pair, groupIds: backupGroupsFor(config, pair) })),
          fromBeginning: config.KAFKA_FROM_BEGINNING,
          intervalMs: Math.round(config.LAG_POLL_SECONDS * 1000),
          onError: (pair, error) => logger.debug({ pair: `${pair.source}/${pair.event}`, err: error }, 'consumer lag poll failed'),
        })
      : undefined;
    const probeIntervalMs = Math.round(config.READINESS_PROBE_SECONDS * 1000);
    this.#probe = new S3WriteProbe({
      store,
      key: layout.readinessProbeKey(hostname()),
      intervalMs: probeIntervalMs,
      timeoutMs: Math.max(1000, Math.min(10_000, probeIntervalMs)),
      wallNow,
      logger,
      onRecovered: () => deps.streams.destinationWritable?.(),
    });
    const validation =
      config.VALIDATION_INTERVAL_SECONDS > 0
        ? new PeriodicValidation({
            store,
            layout,
            logger,
            intervalMs: config.VALIDATION_INTERVAL_SECONDS * 1000,
            sampleSize: config.VALIDATION_SAMPLE_SIZE,
            // Runs begin at start(), once the metrics are registered.
            onResult: (result) => this.#started?.metrics.recordValidation(result),
          })
        : undefined;
    this.#validation = validation;
    this.observer = { onBatchDurable: (_pair, entry) => validation?.remember(entry) };
  }

  get registry(): Registry {
    return this.#deps.health.registry;
  }

  /** Registers the metrics, plugs readiness into the health server and starts the timers. Once. */
  start(run: ObservedRun): void {
    if (this.#started) throw new Error('the daemon observability is started already');
    const { config, logger, wallNow } = this.#deps;
    const { daemon, workers } = run;
    const probe = this.#probe;
    const lag = this.lag;
    const readiness = () =>
      readinessOf({
        daemonState: () => daemon.state,
        workers,
        s3: () => probe.status,
        problems: () => [...(this.#deps.readinessProblems?.list() ?? []), ...silentBrokers(workers, config)],
      });
    const metrics = registerBackupMetrics(this.registry, {
      workers,
      offsets: () => lag?.snapshot() ?? [],
      streams: () => readStreamStats(this.#deps.streams),
      ready: () => readiness().ready,
      s3Writable: () => (probe.status.kind === 'unknown' ? undefined : probe.status.kind === 'ok'),
      wallNow,
      startedAt: wallNow(),
    });
    const progressLog = new ProgressLog({
      workers,
      lagOf: (pair) => lag?.lagOf(pair),
      logger,
      intervalMs: Math.round(config.PROGRESS_LOG_SECONDS * 1000),
    });
    this.#started = { metrics, progressLog };
    this.#deps.health.setReadiness(readiness);
    probe.start();
    lag?.start();
    progressLog.start();
    this.#validation?.start();
  }

  /** Stops timers, logs the last progress lines, waits for a validation in progress. Safe to call twice, and before start. The health server is the caller's to close. */
  stop(): Promise<void> {
    return (this.#stopping ??= (async () => {
      this.#probe.stop();
      await this.lag?.stop();
      this.#started?.progressLog.stop();
      this.#started?.progressLog.logNow();
      await this.#validation?.stop();
    })());
  }
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
