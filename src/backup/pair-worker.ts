import type { Consumer, ConsumerConfig, EachBatchPayload, Kafka } from 'kafkajs';
import pRetry from 'p-retry';
import type { Pair } from '../config/pair.js';
import type { Logger } from '../observability/logger.js';
import type { ReadinessReporter } from '../observability/readiness-problems.js';
import type { BackupRecord } from '../events/backup-record.js';
import type { ManifestEntry } from '../storage/manifest.js';
import { classifyKafkaError } from '../kafka/classify-kafka-error.js';
import { findCompressionCodecError } from '../kafka/compression-codecs.js';
import { KAFKA_RETRY } from '../kafka/create-kafka.js';
import { toBackupRecord } from '../kafka/to-backup-record.js';
import type { BatchWriter } from './batch-writer.js';
import { toManifestStreams, type EventInspector } from './event-inspector.js';
import { MalformedEventLog, type MalformedEvent } from './malformed-event-log.js';
import { PartitionBatch, type BatchLimits } from './partition-batch.js';
import type { PartitionGapStats } from '../observability/metrics.js';
import type { RetentionGapWatch } from './retention-gap-watch.js';

/** Consumer restarts tolerated within RESTART_WINDOW_MS before the worker is declared failed. */
const MAX_RESTARTS_PER_WINDOW = 5;
const RESTART_WINDOW_MS = 5 * 60_000;

/** Failed write attempts of one batch after which its partition is reported stuck to /readyz. */
const STUCK_AFTER_ATTEMPTS = 3;

/** Write attempts per batch once shutdown has begun. */
const DRAIN_ATTEMPTS = 3;

export type WorkerState = 'idle' | 'running' | 'draining' | 'stopped' | 'failed';

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

export interface PairWorkerObserver {
  /**
   * After a batch's object and manifest are written. `records` are the batch's records (their
   * offsets may have gaps: compaction, transaction markers); they are the caller's, not to keep.
   */
  onBatchDurable?(pair: Pair, entry: ManifestEntry, records: readonly BackupRecord[]): void;
  /**
   * After each fetched batch is buffered, including fetches that held no record to back up (only
   * transaction markers or aborted records; `count` is 0 then). `lastOffset` is the last offset
   * the fetch covered (kafkajs's `batch.lastOffset()`, markers and gaps included): the next fetch
   * starts after it. `backup --once` uses it to know when a partition has reached its end offset.
   */
  onConsumed?(pair: Pair, count: number, where: { partition: number; lastOffset: string }): void;
  onMalformed?(pair: Pair, where: { partition: number; offset: string }, reason: string): void;
  onCommitted?(pair: Pair, partition: number, offset: string): void;
}

export interface PairWorkerDeps {
  readonly pair: Pair;
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly fromBeginning: boolean;
  readonly sessionTimeoutMs: number;
  readonly limits: BatchLimits;
  readonly writer: BatchWriter;
  readonly inspector: EventInspector;
  readonly logger: Logger;
  /** Monotonic milliseconds, for batch age. */
  readonly monotonicNow: () => number;
  readonly wallNow: () => number;
  readonly observer?: PairWorkerObserver;
  /** Told when a partition is stuck on a batch it cannot write (and when it moves again). */
  readonly readiness?: ReadinessReporter;
  /** Called when the worker fails beyond recovery (the consumer crashed for good). */
  readonly onFatal: (error: Error) => void;
  /**
   * Checks assigned partitions for records that expired before the backup read them, and fetches
   * that start above where a partition was (records them as retention gaps). Absent: no checks.
   */
  readonly gaps?: Pick<RetentionGapWatch, 'atAssignment' | 'afterJump' | 'stats'>;
  /** Builds the group consumer; default `kafka.consumer` (tests pass a fake). */
  readonly createConsumer?: (config: ConsumerConfig) => Consumer;
}

/**
 * Consumes one pair's topic and writes a batch per partition when it is full or old enough.
 * Offsets are committed only after BatchWriter made the batch durable; on a rebalance every
 * unwritten batch is dropped because kafkajs resumes each partition from its committed offset.
 */
export class PairWorker {
  readonly #deps: PairWorkerDeps;
  readonly #log: Logger;
  readonly #malformedLog: MalformedEventLog;
  /** Last offset committed per partition in this run (the next offset to read). */
  readonly #committed = new Map<number, string>();
  readonly #consumer: Consumer;
  readonly #batches = new Map<number, PartitionBatch>();
  /** Partitions reported to readiness as stuck on a batch they cannot write. */
  readonly #stuck = new Set<number>();
  /** Per-partition chain: flushes of one partition run one at a time, in order. */
  readonly #chains = new Map<number, Promise<void>>();
  readonly #abort = new AbortController();
  #generation = 0;
  /**
   * The consumer group's generation (Kafka's, not #generation) since the last join, learnt from
   * the first heartbeat after it (kafkajs reports it nowhere else): the batches' fencing token.
   */
  #groupGeneration: number | undefined;
  /** Monotonic times of recent consumer restarts after errors kafkajs does not retry. */
  #restarts: number[] = [];
  /** Crashes since the last group join, for the back-off of restarts after retriable errors. */
  #crashesSinceJoin = 0;
  /** The restart waiting for its back-off, cleared by drain. */
  #restartTimer: NodeJS.Timeout | undefined;
  /** A restart in flight (connect, subscribe, run): drain waits for it, as kafkajs cannot cancel it. */
  #restarting: Promise<void> | undefined;
  #state: WorkerState = 'idle';
  /** Monotonic ms of the last answer from a broker (fetch, heartbeat, join, commit); set at start. */
  #lastContactAt: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #drained: Promise<void> | undefined;
  /**
   * Partitions whose last write failed (cleared by the next successful one): offsets skipped
   * after it (markers, gaps) must not be committed, as that would pass the unwritten batch.
   */
  readonly #failedPartitions = new Set<number>();
  /**
   * Per partition, the offset the next fetch should start at (where the backup continues): a
   * fetch starting above it was moved by kafkajs (out of range), and is checked for a gap.
   */
  readonly #expected = new Map<number, bigint>();
  /** The retention gap check of the last join, in flight; drain waits for it. */
  #gapCheck: Promise<void> | undefined;
  readonly stats: PairWorkerStats = {
    consumed: 0,
    backedUp: 0,
    malformed: 0,
    rejectedReferences: 0,
    batches: 0,
    bytes: 0,
    lastDurableAt: undefined,
    droppedOnRebalance: 0,
    droppedAfterFailure: 0,
  };

  constructor(deps: PairWorkerDeps) {
    this.#deps = deps;
    this.#log = deps.logger.child({ pair: `${deps.pair.source}/${deps.pair.event}`, topic: deps.pair.topic });
    this.#malformedLog = new MalformedEventLog({ logger: this.#log, decoding: deps.inspector.decoding });
    const createConsumer = deps.createConsumer ?? ((config: ConsumerConfig) => deps.kafka.consumer(config));
    this.#consumer = createConsumer({
      groupId: deps.groupId,
      sessionTimeout: deps.sessionTimeoutMs,
      heartbeatInterval: Math.min(3000, Math.floor(deps.sessionTimeoutMs / 3)),
      // Bounded fetches: together with the per-partition byte limit this bounds memory.
      maxBytesPerPartition: Math.min(deps.limits.maxBytes, 4 * 1024 * 1024),
      maxBytes: 16 * 1024 * 1024,
      // A fetch waits at most this long for data; disconnect waits for the fetch in flight, so
      // this also bounds how long phase 1 of a shutdown waits on an idle topic.
      maxWaitTimeInMs: 1000,
      // kafkajs's own restart after a crash is scheduled even when the crash comes after
      // disconnect (a retry series still running then ends in one), and then restarts for ever:
      // a stopped daemon kept trying and logging. This worker restarts the consumer itself.
      retry: { ...KAFKA_RETRY, restartOnFailure: async () => false },
    });
  }

  get state(): WorkerState {
    return this.#state;
  }

  get pair(): Pair {
    return this.#deps.pair;
  }

  /**
   * Logs the malformed events counted since the last call as one summary line (the first few had a
   * line each); the progress log calls it at its interval, drain at the end.
   */
  summarizeMalformed(): void {
    this.#malformedLog.summarize();
  }

  /** The offset committed last in this run per partition (the next to read), by partition number. */
  committedOffsets(): Record<string, string> {
    return Object.fromEntries([...this.#committed].sort(([a], [b]) => a - b).map(([p, o]) => [String(p), o]));
  }

  /**
   * Milliseconds since a broker last answered this worker's consumer (a fetch, even an empty one,
   * comes back at least every second; heartbeats go on while a batch is written); undefined
   * before start. `backup --once` gives up on brokers that stay silent too long.
   */
  silentForMs(): number | undefined {
    return this.#lastContactAt === undefined ? undefined : this.#deps.monotonicNow() - this.#lastContactAt;
  }

  /** Retention gaps this process noticed, per partition (metrics). */
  retentionGaps(): PartitionGapStats[] {
    return this.#deps.gaps?.stats() ?? [];
  }

  /** Assigned partitions with their unflushed event count and oldest event age. */
  buffered(): Array<{ partition: number; events: number; ageMs: number }> {
    const now = this.#deps.monotonicNow();
    return [...this.#batches.values()].map((b) => ({ partition: b.partition, events: b.size, ageMs: b.age(now) }));
  }

  async start(): Promise<void> {
    const consumer = this.#consumer;
    const contact = () => {
      this.#lastContactAt = this.#deps.monotonicNow();
    };
    contact();
    consumer.on(consumer.events.FETCH, contact);
    consumer.on(consumer.events.CONNECT, contact);
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      contact();
      this.#onGroupJoin(event.payload.memberAssignment);
    });
    consumer.on(consumer.events.HEARTBEAT, (event) => {
      contact();
      this.#groupGeneration = Math.max(this.#groupGeneration ?? 0, event.payload.groupGenerationId);
    });
    // kafkajs does not call eachBatch for a fetch whose records were all filtered out (transaction
    // markers, aborted records): it only resolves the offset and reports the batch here.
    consumer.on(consumer.events.END_BATCH_PROCESS, (event) => {
      const { topic, partition, batchSize, lastOffset } = event.payload;
      if (topic !== this.#deps.pair.topic || batchSize !== 0 || this.#state !== 'running') return;
      this.#advancePast(partition, BigInt(lastOffset));
    });
    consumer.on(consumer.events.CRASH, (event) => {
      const error = event.payload.error;
      this.#dropUnwritten('consumer crash');
      if (this.#state !== 'running') {
        // A retry series that was running when the worker stopped; nothing is restarted.
        this.#log.debug({ err: error }, 'consumer ended with an error after it was stopped');
        return;
      }
      const codecError = findCompressionCodecError(error);
      if (codecError) {
        // The same bytes fail at every fetch: stop the pair with the reason instead of refetching.
        this.#state = 'failed';
        const pairName = `${this.#deps.pair.source}/${this.#deps.pair.event}`;
        const fatal = new Error(`pair ${pairName} cannot read topic ${this.#deps.pair.topic}: ${codecError.message}`, { cause: codecError });
        this.#log.error({ err: fatal }, 'consumer stopped: a record batch cannot be decompressed');
        void this.#consumer.stop().catch(() => {});
        this.#deps.onFatal(fatal);
        return;
      }
      const kind = classifyKafkaError(error).kind;
      if (kind === 'retriable' || kind === 'retriable-before-send') {
        // A broker outage is waited out (the lost-broker bound of `backup --once` is its own).
        this.#log.warn({ err: error }, 'consumer crashed on a transient error; restarting it from the committed offsets');
        this.#restart(this.#crashesSinceJoin++);
        return;
      }
      if (this.#shouldRestart(error)) {
        this.#log.warn({ err: error }, 'consumer crashed on an error kafkajs does not retry; restarting it');
        this.#restart(this.#restarts.length);
        return;
      }
      this.#state = 'failed';
      this.#log.error({ err: error }, 'consumer crashed and will not restart');
      this.#deps.onFatal(error);
    });
    this.#state = 'running';
    const tick = Math.max(20, Math.min(1000, Math.floor(this.#deps.limits.maxAgeMs / 4)));
    this.#timer = setInterval(() => this.#flushDue(), tick);
    this.#timer.unref();
    await this.#run();
    this.#log.info('consuming');
  }

  async #run(): Promise<void> {
    const consumer = this.#consumer;
    await consumer.connect();
    // A topic that does not exist yet, on a cluster that auto-creates topics: the first metadata
    // request creates it, but kafkajs throws that request's answer (unknown topic, retriable)
    // instead of asking again. Ask again a few times; a topic that never appears still fails.
    await pRetry(() => consumer.subscribe({ topics: [this.#deps.pair.topic], fromBeginning: this.#deps.fromBeginning }), {
      retries: 6,
      minTimeout: 250,
      maxTimeout: 2000,
      signal: this.#abort.signal,
      shouldRetry: ({ error }) => (error as { retriable?: unknown }).retriable === true,
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      partitionsConsumedConcurrently: 4,
      eachBatch: (payload) => this.#onBatch(payload),
    });
  }

  #restart(attempt: number): void {
    const delay = 500 * 2 ** Math.min(attempt, 4) * (0.5 + Math.random());
    // Not unref'd: after a crash kafkajs holds no socket, and this timer may be all that keeps
    // the process alive until the consumer is back.
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#state !== 'running') return;
      this.#restarting = this.#run()
        .catch((error: Error) => {
          if (this.#state !== 'running') return;
          this.#state = 'failed';
          this.#log.error({ err: error }, 'consumer restart failed');
          this.#deps.onFatal(error);
        })
        .finally(() => {
          this.#restarting = undefined;
        });
    }, delay);
  }

  /**
   * Stops consuming, writes and commits every buffered batch, then leaves the group. Safe to
   * call more than once; every caller gets the same promise.
   */
  drain(): Promise<void> {
    this.#drained ??= this.#drainOnce();
    return this.#drained;
  }

  async #drainOnce(): Promise<void> {
    if (this.#state === 'running') this.#state = 'draining';
    clearInterval(this.#timer);
    try {
      this.#consumer.pause([{ topic: this.#deps.pair.topic }]);
    } catch {
      // not running yet: nothing is fetched anyway
    }
    const pending = [...this.#batches.keys()].map((partition) => this.#flush(partition, 'shutdown'));
    const results = await Promise.allSettled([...pending, ...this.#chains.values()]);
    const failed = results.filter((r) => r.status === 'rejected').length;
    if (failed > 0) this.#log.warn({ failed }, 'some batches could not be written at shutdown; they will be re-read at the next start');
    this.#abort.abort();
    clearTimeout(this.#restartTimer);
    // Its connect retries end by themselves (KAFKA_RETRY); disconnecting under them would leave
    // them reconnecting after the worker stopped.
    await this.#restarting;
    await this.#gapCheck;
    try {
      await this.#consumer.disconnect();
    } catch (error) {
      this.#log.warn({ err: error }, 'disconnect failed');
    }
    if (this.#state !== 'failed') this.#state = 'stopped';
    this.#malformedLog.summarize({ final: true });
    this.#log.info({ ...this.stats }, 'stopped');
  }

  async #onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat, isRunning, isStale } = payload;
    const { inspector, limits, monotonicNow } = this.#deps;
    if (await this.#jumpedPastGap(payload)) return;
    for (const message of batch.messages) {
      if (this.#state !== 'running' || !isRunning() || isStale()) return;
      const { record, problems } = toBackupRecord(batch.topic, batch.partition, message);
      let current = this.#batches.get(batch.partition);
      if (!current) {
        current = new PartitionBatch(batch.topic, batch.partition, this.#generation);
        this.#batches.set(batch.partition, current);
      }
      const inspection = inspector.inspect(record.value);
      if (inspection.kind === 'malformed') this.#malformedLog.attempted(false);
      else if (inspection.kind === 'valid' && inspection.generation !== undefined) this.#malformedLog.attempted(true);
      let streams: ReturnType<typeof toManifestStreams> = [];
      // Backed up either way: as far as kafkajs lets us see it, and byte for byte when it does not
      // decode; listed with the batch's malformed offsets and counted once.
      const reasons = [...(inspection.kind === 'malformed' ? [inspection.reason] : []), ...problems];
      const malformed = reasons.length > 0;
      if (malformed) {
        const code = inspection.kind === 'malformed' ? inspection.code : 'RECORD_NOT_EXACT';
        this.#onMalformed({ partition: batch.partition, offset: record.offset, code, reason: reasons.join('; ') });
      }
      if (inspection.kind === 'valid') {
        streams = toManifestStreams(inspection.references, record.timestamp);
        for (const rejected of inspection.rejected) {
          this.stats.rejectedReferences += 1;
          this.#log.warn(
            { partition: batch.partition, offset: record.offset, sha256: rejected.sha256, reason: rejected.reason },
            'stream reference rejected',
          );
        }
      }
      current.add(record, monotonicNow(), { streams, malformed, generation: inspection.kind === 'valid' ? inspection.generation : undefined });
      this.stats.consumed += 1;
      if (current.isFull(limits)) {
        // Backpressure: this partition fetches nothing more until its batch is durable.
        const beat = setInterval(() => heartbeat().catch(() => {}), 3000);
        try {
          await this.#flush(batch.partition, 'full');
        } catch {
          // #onWriteFailed dropped what followed and sought the partition back: this fetch is stale.
          return;
        } finally {
          clearInterval(beat);
        }
      }
    }
    if (batch.messages.length === 0 || this.#state !== 'running' || !isRunning() || isStale()) return;
    this.#expected.set(batch.partition, BigInt(batch.lastOffset()) + 1n);
    // lastOffset() covers the control records and aborted records after the last message, too.
    this.#advancePast(batch.partition, BigInt(batch.lastOffset()), batch.messages.length);
  }

  #onMalformed(event: MalformedEvent): void {
    this.stats.malformed += 1;
    this.#malformedLog.report(event);
    this.#deps.observer?.onMalformed?.(this.#deps.pair, { partition: event.partition, offset: event.offset }, event.reason);
  }

  /**
   * The fetch covered offsets up to `lastOffset`: the partition's position is past them, whether
   * they held records (now buffered) or not (markers, aborted records, compacted gaps). A commit
   * may then cover them, so a restart does not re-read them and `backup --once` sees the end: the
   * buffered batch's commit when there is one, else a commit of its own, chained behind the
   * partition's writes in flight and made only when they succeeded.
   */
  #advancePast(partition: number, lastOffset: bigint, count = 0): void {
    const position = lastOffset + 1n;
    const buffered = this.#batches.get(partition);
    if (buffered && buffered.generation === this.#generation) buffered.coverUpTo(position);
    else {
      const generation = this.#generation;
      this.#chain(partition, () => this.#commitSkipped(partition, position, generation)).catch((error: unknown) => {
        // Harmless: the offsets are re-read (and skipped again) after a restart.
        this.#log.warn({ err: error, partition, offset: position.toString() }, 'commit past offsets without records failed');
      });
    }
    this.#deps.observer?.onConsumed?.(this.#deps.pair, count, { partition, lastOffset: lastOffset.toString() });
  }

  async #commitSkipped(partition: number, position: bigint, generation: number): Promise<void> {
    if (generation !== this.#generation || this.#failedPartitions.has(partition)) return;
    // Records fetched after the skipped offsets are buffered; only what lies before them is skipped.
    const buffered = this.#batches.get(partition);
    if (buffered && buffered.size > 0 && BigInt(buffered.records[0]!.offset) < position) return;
    const next = position.toString();
    await this.#consumer.commitOffsets([{ topic: this.#deps.pair.topic, partition, offset: next }]);
    this.#committed.set(partition, next);
    this.#deps.observer?.onCommitted?.(this.#deps.pair, partition, next);
    this.#log.debug({ partition, offset: next }, 'committed past offsets without records (transaction markers, aborted or compacted records)');
  }

  #flushDue(): void {
    const now = this.#deps.monotonicNow();
    for (const [partition, batch] of this.#batches) {
      if (batch.isDue(now, this.#deps.limits)) {
        // A failure is handled in #writeAndCommit (the partition is re-read from the failed batch).
        this.#flush(partition, 'age').catch(() => {});
      }
    }
  }

  #flush(partition: number, reason: 'full' | 'age' | 'shutdown'): Promise<void> {
    return this.#chain(partition, () => this.#writeAndCommit(partition, reason));
  }

  /** Runs `step` after the partition's earlier writes and commits settled, one at a time, in order. */
  #chain(partition: number, step: () => Promise<void>): Promise<void> {
    const previous = this.#chains.get(partition) ?? Promise.resolve();
    const next = previous.then(step);
    const settled = next.catch(() => {});
    this.#chains.set(partition, settled);
    settled.then(() => {
      if (this.#chains.get(partition) === settled) this.#chains.delete(partition);
    });
    return next;
  }

  async #writeAndCommit(partition: number, reason: string): Promise<void> {
    const batch = this.#batches.get(partition);
    if (!batch || batch.size === 0) return;
    if (batch.generation !== this.#generation) {
      this.#batches.delete(partition);
      return;
    }
    // New events go to a fresh batch while this one is written.
    this.#batches.delete(partition);
    const { pair } = this.#deps;
    let entry: ManifestEntry;
    try {
      entry = await this.#writeWithRetries(partition, batch);
    } catch (error) {
      this.#failedPartitions.add(partition);
      this.#onWriteFailed(partition, batch, error);
      throw error;
    }
    this.#unstuck(partition);
    this.#failedPartitions.delete(partition);
    this.stats.batches += 1;
    this.stats.backedUp += entry.count;
    this.stats.bytes += entry.bytes;
    this.stats.lastDurableAt = this.#deps.wallNow();
    this.#deps.observer?.onBatchDurable?.(pair, entry, batch.records);
    if (batch.generation !== this.#generation) {
      // The partition may have moved; its new owner re-reads from the last commit, and a replay
      // rewrites the same keys. Committing now could move the group's offset backwards.
      this.#log.info({ partition, key: entry.key }, 'batch written after a rebalance; not committing');
      return;
    }
    const next = batch.commitOffset().toString();
    await this.#consumer.commitOffsets([{ topic: pair.topic, partition, offset: next }]);
    this.#committed.set(partition, next);
    this.#lastContactAt = this.#deps.monotonicNow();
    this.#deps.observer?.onCommitted?.(pair, partition, next);
    this.#log.info(
      { partition, key: entry.key, count: entry.count, bytes: entry.bytes, firstOffset: entry.firstOffset, lastOffset: entry.lastOffset, reason },
      'batch durable and committed',
    );
  }

  #writeWithRetries(partition: number, batch: PartitionBatch): Promise<ManifestEntry> {
    const { pair, writer } = this.#deps;
    const isCurrent = () => this.#generation === batch.generation;
    const fence = () =>
      isCurrent() && this.#groupGeneration !== undefined ? { group: this.#deps.groupId, generation: this.#groupGeneration } : undefined;
    return pRetry(() => writer.write(pair, batch, isCurrent, fence()), {
      // While running, S3 outages are waited out (consumption of this partition blocks, memory
      // stays bounded). While draining, a few attempts, then the batch is left to be re-read.
      retries: Number.POSITIVE_INFINITY,
      minTimeout: 500,
      maxTimeout: 30_000,
      randomize: true,
      signal: this.#abort.signal,
      shouldRetry: ({ attemptNumber }) =>
        this.#generation === batch.generation && (this.#state === 'running' || attemptNumber < DRAIN_ATTEMPTS),
      onFailedAttempt: ({ error, attemptNumber }) => {
        this.#log.warn({ err: error, partition, attempt: attemptNumber }, 'batch write failed; retrying');
        if (attemptNumber >= STUCK_AFTER_ATTEMPTS) {
          const reason = `batch from offset ${batch.records[0]!.offset} not written after ${attemptNumber} attempts, so nothing after it is committed: ${error.message}`;
          this.#stuck.add(partition);
          this.#deps.readiness?.set(this.#stuckName(partition), reason);
        }
      },
    });
  }

  /** The readiness problem of a partition stuck on a batch it cannot write. */
  #stuckName(partition: number): string {
    return `partition ${this.#deps.pair.topic}/${partition}`;
  }

  #unstuck(partition: number): void {
    if (this.#stuck.delete(partition)) this.#deps.readiness?.clear(this.#stuckName(partition));
  }

  /**
   * A batch that failed for good must never be committed past: the records buffered behind it
   * (the next batch of the partition) are dropped unwritten, so no later flush of the partition
   * can write and commit them. While running, the partition is sought back to the failed batch's
   * first offset and re-read from there; while draining nothing more is consumed, and the next
   * start resumes from the last commit, which is at or before that offset.
   */
  #onWriteFailed(partition: number, batch: PartitionBatch, error: unknown): void {
    const first = batch.records[0]!.offset;
    const behind = this.#batches.get(partition);
    if (behind && behind.generation === batch.generation) {
      this.#batches.delete(partition);
      this.stats.droppedAfterFailure += behind.size;
    }
    if (batch.generation !== this.#generation) return; // a rebalance dropped everything already
    if (this.#state === 'running') {
      this.#log.warn({ err: error, partition, offset: first }, 'batch could not be written; the partition is re-read from its first offset');
      this.#consumer.seek({ topic: this.#deps.pair.topic, partition, offset: first });
      this.#expected.set(partition, BigInt(first));
      return;
    }
    this.#log.warn(
      { err: error, partition, offset: first, droppedBehind: behind?.size ?? 0 },
      'batch could not be written while draining; nothing after it is committed, it is re-read at the next start',
    );
  }

  /**
   * kafkajs gives up on errors it deems non-retriable, but during rebalances brokers answer some
   * requests with such errors transiently. Restart the consumer (it resumes from the committed
   * offsets) unless the error is about credentials or permissions, or restarts keep failing.
   */
  #shouldRestart(error: Error): boolean {
    if (this.#state !== 'running') return false;
    if (/authoriz|authentic|sasl|ssl/i.test(`${error.name} ${error.message}`)) return false;
    const now = this.#deps.monotonicNow();
    this.#restarts = this.#restarts.filter((t) => now - t < RESTART_WINDOW_MS);
    this.#restarts.push(now);
    return this.#restarts.length <= MAX_RESTARTS_PER_WINDOW;
  }

  #onGroupJoin(assignment: Record<string, number[]>): void {
    this.#crashesSinceJoin = 0;
    this.#generation += 1;
    this.#groupGeneration = undefined;
    this.#failedPartitions.clear();
    this.#dropUnwritten('rebalance');
    this.#expected.clear();
    const partitions = assignment[this.#deps.pair.topic] ?? [];
    this.#log.info({ partitions }, 'joined consumer group');
    if (this.#deps.gaps && partitions.length > 0 && this.#state === 'running') this.#gapCheck = this.#checkAssigned(partitions, this.#generation);
  }

  /**
   * Before an assigned partition is fetched, compares where the backup continues with the
   * partition's log start offset: records that expired are recorded as a gap while the group's
   * offset still says where the backup stopped (kafkajs overwrites it on OFFSET_OUT_OF_RANGE).
   * The partitions are paused meanwhile (GROUP_JOIN comes before the first fetch) and sought to
   * the log start after a gap (kafkajs would reset to the end with fromBeginning off). A check that
   * fails is logged and consumption goes on (a later jump past a gap is still noticed).
   */
  async #checkAssigned(partitions: number[], generation: number): Promise<void> {
    const topic = this.#deps.pair.topic;
    try {
      this.#consumer.pause([{ topic, partitions }]);
      const starts = await this.#deps.gaps!.atAssignment(partitions);
      if (generation !== this.#generation || this.#state !== 'running') return;
      for (const start of starts) {
        if (start.seekTo !== undefined) {
          this.#consumer.seek({ topic, partition: start.partition, offset: start.seekTo.toString() });
          this.#log.info({ partition: start.partition, offset: start.seekTo.toString() }, 'partition starts at its log start offset, after the retention gap');
        }
        if (start.continueAt !== undefined) this.#expected.set(start.partition, start.continueAt);
      }
    } catch (error) {
      this.#log.warn({ err: error, partitions }, 'could not check the assigned partitions for retention gaps; consuming anyway');
    } finally {
      try {
        if (generation === this.#generation && this.#state === 'running') this.#consumer.resume([{ topic, partitions }]);
      } catch (error) {
        // The consumer is being stopped or restarted; its next join checks and resumes again.
        this.#log.debug({ err: error, partitions }, 'could not resume the partitions after the retention gap check');
      }
    }
  }

  /**
   * A fetch that starts above where its partition was: kafkajs moved the partition itself (after
   * OFFSET_OUT_OF_RANGE, to the earliest or the latest offset). Holes in the offsets of fetched
   * records (compaction, markers) never start a fetch higher. The watch records a gap only if
   * the log start offset passed the expected offset. True when the fetch is to be dropped (the
   * partition was sought back to the log start, so nothing retained is skipped).
   */
  async #jumpedPastGap(payload: EachBatchPayload): Promise<boolean> {
    const { batch, isStale } = payload;
    const fetchedOffset = (batch as { fetchedOffset?: string }).fetchedOffset;
    if (!this.#deps.gaps || fetchedOffset === undefined) return false;
    const at = BigInt(fetchedOffset);
    const expected = this.#expected.get(batch.partition);
    if (expected === undefined || at <= expected) {
      this.#expected.set(batch.partition, at);
      return false;
    }
    const generation = this.#generation;
    try {
      const { seekTo } = await this.#deps.gaps.afterJump(batch.partition, expected, at);
      if (generation !== this.#generation || isStale()) return true;
      if (seekTo === undefined) {
        this.#expected.set(batch.partition, at);
        return false;
      }
      this.#consumer.seek({ topic: batch.topic, partition: batch.partition, offset: seekTo.toString() });
      this.#expected.set(batch.partition, seekTo);
      return true;
    } catch (error) {
      this.#log.warn({ err: error, partition: batch.partition, expected: expected.toString(), fetchedOffset }, 'could not check a fetch that started above where the partition was for a retention gap');
      this.#expected.set(batch.partition, at);
      return false;
    }
  }

  /** kafkajs resumes every assigned partition from its committed offset: unwritten batches would duplicate. */
  #dropUnwritten(why: string): void {
    // A stuck partition stops retrying (its batch is of the old generation) and is re-read from
    // its last commit, maybe by another member.
    for (const partition of [...this.#stuck]) this.#unstuck(partition);
    let dropped = 0;
    for (const batch of this.#batches.values()) dropped += batch.size;
    if (dropped > 0) {
      this.stats.droppedOnRebalance += this.#batches.size;
      this.#log.info({ events: dropped, why }, 'dropping unwritten batches; they are re-read from the last commit');
    }
    this.#batches.clear();
  }
}
