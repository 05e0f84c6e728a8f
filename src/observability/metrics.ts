import { Counter, Gauge, collectDefaultMetrics, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';
import { pairId, type Pair } from '../config/pair.js';
import type { PairOffsets } from './consumer-lag.js';
import type { WorkerState } from './readiness.js';
import type { StreamStatsSnapshot } from './stream-stats.js';

/** A pair worker's counters (src/backup/pair-worker.ts keeps them), read when Prometheus scrapes and by the run summary. */
export interface PairWorkerStats {
  consumed: number;
  backedUp: number;
  malformed: number;
  rejectedReferences: number;
  batches: number;
  bytes: number;
  /** Wall-clock ms of the last durable batch (the recovery point), undefined before the first. */
  lastDurableAt: number | undefined;
  /** Batches dropped unwritten because a rebalance took their partition (the new owner re-reads them). */
  droppedOnRebalance: number;
  /** Events dropped unwritten because an earlier batch of their partition failed (they are re-read). */
  droppedAfterFailure: number;
}

/** Gaps this process noticed on one partition, for metrics. */
export interface PartitionGapStats {
  readonly partition: number;
  readonly gaps: number;
  readonly offsets: bigint;
}

/** What metrics need of a worker; PairWorker satisfies it. */
export interface MetricsWorker {
  readonly pair: Pair;
  readonly stats: Readonly<PairWorkerStats>;
  readonly state: WorkerState;
  buffered(): Array<{ partition: number; events: number; ageMs: number }>;
  /** Retention gaps noticed by this process, per partition; absent: none counted. */
  retentionGaps?(): readonly PartitionGapStats[];
}

export interface MetricsSources {
  readonly workers: readonly MetricsWorker[];
  /** Latest consumer offsets per pair (LagMonitor.snapshot). */
  readonly offsets: () => readonly PairOffsets[];
  /** The stream pipeline's counters, or undefined when it has none. */
  readonly streams: () => StreamStatsSnapshot | undefined;
  readonly ready: () => boolean;
  /** Undefined until the first probe answered. */
  readonly s3Writable: () => boolean | undefined;
  /** Wall-clock milliseconds. */
  readonly wallNow: () => number;
  /** Wall-clock ms the daemon started; the recovery point age counts from here before the first batch. */
  readonly startedAt: number;
  /** Also export Node's process metrics (CPU, memory, event loop lag). Default true. */
  readonly processMetrics?: boolean;
}

export type ValidationResult =
  | { kind: 'ok'; checked: number; bytes: number }
  | { kind: 'damaged'; checked: number; bytes: number; damaged: ReadonlyArray<{ key: string; message: string }> }
  | { kind: 'failed'; error: string };

export interface BackupMetrics {
  recordValidation(result: ValidationResult): void;
}

const PAIR = ['pair'] as const;

/**
 * Registers every metric of the daemon on `registry` (never the global default, so tests and
 * several daemons in one process do not collide). Values are read when Prometheus scrapes, from
 * the workers' own stats, so a metric can never drift from what the workers did.
 */
export function registerBackupMetrics(registry: Registry, sources: MetricsSources): BackupMetrics {
  if (sources.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const { workers } = sources;
  const perPair = (read: (stats: Readonly<PairWorkerStats>) => number) => () =>
    workers.map((w) => ({ labels: { pair: pairId(w.pair) }, value: read(w.stats) }));

  mirroredCounter(registry, 'streamvault_events_consumed_total', 'Events read from Kafka, per pair.', PAIR, perPair((s) => s.consumed));
  mirroredCounter(
    registry,
    'streamvault_events_backed_up_total',
    'Events in batches that are durable in S3 (object and manifest written), per pair.',
    PAIR,
    perPair((s) => s.backedUp),
  );
  mirroredCounter(registry, 'streamvault_batches_total', 'Batch objects made durable, per pair.', PAIR, perPair((s) => s.batches));
  mirroredCounter(registry, 'streamvault_batch_bytes_total', 'Bytes of batch objects written to S3, per pair.', PAIR, perPair((s) => s.bytes));
  mirroredCounter(
    registry,
    'streamvault_malformed_events_total',
    'Events that did not decode with the schema (backed up byte for byte all the same), per pair.',
    PAIR,
    perPair((s) => s.malformed),
  );
  mirroredCounter(
    registry,
    'streamvault_batches_dropped_on_rebalance_total',
    'Unwritten batches dropped because a rebalance moved their partition (re-read by the new owner), per pair.',
    PAIR,
    perPair((s) => s.droppedOnRebalance),
  );

  const perGapPartition = (read: (g: PartitionGapStats) => number) => () =>
    workers.flatMap((w) =>
      (w.retentionGaps?.() ?? []).map((g) => ({ labels: { pair: pairId(w.pair), topic: w.pair.topic, partition: String(g.partition) }, value: read(g) })),
    );
  const GAP_LABELS = ['pair', 'topic', 'partition'] as const;
  mirroredCounter(
    registry,
    'streamvault_retention_gaps_total',
    'Retention gaps noticed by this process (offsets that expired at the source before they were backed up; each recorded under gaps/ in the backup), per partition.',
    GAP_LABELS,
    perGapPartition((g) => g.gaps),
  );
  mirroredCounter(
    registry,
    'streamvault_retention_gap_offsets_total',
    'Offsets in the retention gaps noticed by this process (records that will never be in the backup), per partition.',
    GAP_LABELS,
    perGapPartition((g) => Number(g.offsets)),
  );

  new Gauge({
    name: 'streamvault_seconds_since_last_durable_batch',
    help: 'Seconds since the pair last made a batch durable (the recovery point); counts from start before the first batch.',
    labelNames: PAIR,
    registers: [registry],
    collect() {
      const now = sources.wallNow();
      for (const w of workers) this.set({ pair: pairId(w.pair) }, (now - (w.stats.lastDurableAt ?? sources.startedAt)) / 1000);
    },
  });
  new Gauge({
    name: 'streamvault_oldest_unflushed_event_age_seconds',
    help: 'Age of the oldest event buffered in memory and not yet durable, per pair; 0 when nothing is buffered.',
    labelNames: PAIR,
    registers: [registry],
    collect() {
      for (const w of workers) this.set({ pair: pairId(w.pair) }, Math.max(0, ...w.buffered().map((b) => b.ageMs)) / 1000);
    },
  });
  new Gauge({
    name: 'streamvault_unflushed_events',
    help: 'Events buffered in memory and not yet durable, per pair.',
    labelNames: PAIR,
    registers: [registry],
    collect() {
      for (const w of workers) this.set({ pair: pairId(w.pair) }, w.buffered().reduce((n, b) => n + b.events, 0));
    },
  });
  new Gauge({
    name: 'streamvault_consumer_lag',
    help: 'Events between the consumer group\'s committed offset and the end of the partition (polled from Kafka).',
    labelNames: ['pair', 'topic', 'partition'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const offsets of sources.offsets()) {
        for (const p of offsets.partitions) {
          this.set({ pair: pairId(offsets.pair), topic: offsets.pair.topic, partition: String(p.partition) }, p.lag);
        }
      }
    },
  });

  const streamCounter = (name: string, help: string, field: keyof StreamStatsSnapshot) =>
    mirroredCounter(registry, name, help, [], () => {
      const value = sources.streams()?.[field];
      return value === undefined ? [] : [{ labels: {}, value }];
    });
  const streamGauge = (name: string, help: string, field: keyof StreamStatsSnapshot) => new OptionalGauge(registry, name, help, () => sources.streams()?.[field]);
  streamCounter('streamvault_streams_uploaded_total', 'Streams uploaded to S3.', 'uploaded');
  streamCounter('streamvault_streams_deduped_total', 'Stream references found already stored (content addressing).', 'deduped');
  streamCounter('streamvault_streams_missing_total', 'Stream references the source did not have.', 'missing');
  streamCounter('streamvault_streams_failed_total', 'Stream uploads that failed for good (moved to the failed journal).', 'failed');
  streamCounter('streamvault_streams_hit_cache_hits_total', 'Stream references skipped by the in-memory hit cache.', 'hitCacheHits');
  streamCounter('streamvault_streams_uploaded_bytes_total', 'Bytes of streams uploaded to S3.', 'uploadedBytes');
  streamGauge('streamvault_stream_pool_queue_depth', 'Stream uploads waiting for a slot in the pool.', 'queueDepth');
  streamGauge('streamvault_stream_pool_running', 'Stream uploads in progress.', 'running');
  streamGauge('streamvault_filecache_pending', 'Streams journaled as pending in the file cache.', 'pending');
  streamGauge('streamvault_filecache_failed', 'Streams journaled as failed in the file cache.', 'failedList');
  streamCounter('streamvault_streams_failed_retried_total', 'Failed-list entries copied again by their retry schedule.', 'retriedFailed');
  streamGauge('streamvault_streams_unavailable_at_source', 'Failed-list entries recorded in the backup as unavailable at the source (missing after the retry window).', 'unavailableAtSource');
  streamGauge('streamvault_stream_destination_paused', '1 while the stream pool waits for the backup bucket to take copies again.', 'destinationPaused');
  new OptionalGauge(registry, 'streamvault_filecache_failed_oldest_age_seconds', 'Age of the oldest entry in the failed list (since its first failure); 0 when the list is empty.', () => {
    const stats = sources.streams();
    if (!stats) return undefined;
    return stats.failedOldestAt === undefined ? 0 : Math.max(0, (sources.wallNow() - stats.failedOldestAt) / 1000);
  });

  new Gauge({
    name: 'streamvault_ready',
    help: '1 when /readyz answers 200: consuming and S3 writable; 0 otherwise.',
    registers: [registry],
    collect() {
      this.set(sources.ready() ? 1 : 0);
    },
  });
  new OptionalGauge(registry, 'streamvault_s3_writable', '1 when the last readiness probe wrote to the bucket, 0 when it failed (absent before the first probe).', () => {
    const writable = sources.s3Writable();
    return writable === undefined ? undefined : writable ? 1 : 0;
  });

  const validationRuns = new Counter({
    name: 'streamvault_validation_runs_total',
    help: 'Periodic validation runs by result: ok, damaged (some object did not match its manifest), failed (could not run).',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  for (const result of ['ok', 'damaged', 'failed']) validationRuns.inc({ result }, 0);
  const validationChecked = new Counter({
    name: 'streamvault_validation_objects_checked_total',
    help: 'Objects re-read and re-hashed by the periodic validation.',
    registers: [registry],
  });
  const validationDamaged = new Counter({
    name: 'streamvault_validation_damaged_objects_total',
    help: 'Objects the periodic validation found missing or not matching their manifest.',
    registers: [registry],
  });
  const validationLastDamaged = new Gauge({
    name: 'streamvault_validation_last_damaged_objects',
    help: 'Damaged objects found by the last validation run.',
    registers: [registry],
  });
  const validationLastRun = new Gauge({
    name: 'streamvault_validation_last_run_timestamp_seconds',
    help: 'When the last validation run finished (Unix seconds).',
    registers: [registry],
  });

  return {
    recordValidation(result) {
      validationRuns.inc({ result: result.kind });
      validationLastRun.set(sources.wallNow() / 1000);
      if (result.kind === 'failed') return;
      validationChecked.inc(result.checked);
      const damaged = result.kind === 'damaged' ? result.damaged.length : 0;
      validationDamaged.inc(damaged);
      validationLastDamaged.set(damaged);
    },
  };
}

/**
 * A counter that mirrors monotonic numbers kept elsewhere (worker stats, pipeline stats): on each
 * scrape it adds what grew since the last one. Series appear at 0 from the first scrape.
 */
/**
 * A gauge without labels that is absent from a scrape while its value is unknown. prom-client
 * reports a label-less gauge that was never set as 0, which for `streamvault_s3_writable` before
 * the first probe would read as "not writable" and could page someone at every start.
 */
class OptionalGauge extends Gauge<string> {
  readonly #read: () => number | undefined;

  constructor(registry: Registry, name: string, help: string, read: () => number | undefined) {
    super({ name, help, registers: [registry] });
    this.#read = read;
  }

  override async get(): Promise<MetricObjectWithValues<MetricValue<string>>> {
    const value = this.#read();
    if (value !== undefined) this.set(value);
    const metric = await super.get();
    return value === undefined ? { ...metric, values: [] } : metric;
  }
}

function mirroredCounter(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  read: () => Array<{ labels: Record<string, string>; value: number }>,
): Counter<string> {
  const seen = new Map<string, number>();
  return new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      for (const { labels, value } of read()) {
        const id = JSON.stringify(labels);
        const before = seen.get(id) ?? 0;
        if (value > before || !seen.has(id)) {
          this.inc(labels, Math.max(0, value - before));
          seen.set(id, Math.max(value, before));
        }
      }
    },
  });
}
