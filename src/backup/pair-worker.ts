import type { EachBatchPayload } from 'kafkajs';
import pRetry from 'p-retry';
import type { Pair } from '../config/pair.js';
import type { Logger } from '../observability/logger.js';
import type { ReadinessReporter } from '../observability/readiness-problems.js';
import type { BackupRecord } from '../events/backup-record.js';
import type { ManifestEntry } from '../storage/manifest.js';
import { toBackupRecord } from '../kafka/to-backup-record.js';
import { FenceUnknownError, type BatchWriter } from './batch-writer.js';
import type { EventInspector } from '../events/event-inspector.js';
import { toManifestStreams } from './event-inspector.js';
import { MalformedEventLog, type MalformedEvent } from './malformed-event-log.js';
import type { BatchLimits } from '../config/settings.js';
import { PartitionBatch } from './partition-batch.js';
import type { PairWorkerStats, PartitionGapStats } from '../observability/metrics.js';
import type { WorkerState } from '../observability/readiness.js';
import type { RetentionGapWatch } from './retention-gap-watch.js';

/** Failed write attempts of one batch after which its partition is reported stuck to /readyz. */
const STUCK_AFTER_ATTEMPTS = 3;

/** Write attempts per batch once shutdown has begun. */
const DRAIN_ATTEMPTS = 3;

/**
 * Batches of one partition written or waiting to be written at once before the partition is
 * paused: one being written while the next fills, so a partition with a backlog keeps reading
 * while it writes. Memory stays bounded at two full batches per partition, and what is left of the
 * fetch that filled the second, kept in the next batch while the partition is paused.
 */
const MAX_BATCHES_IN_FLIGHT = 2;

/**
 * What a pair worker uses of the consumer every pair shares (backup-consumer.ts): it commits,
 * seeks, pauses and resumes its own topic's partitions, and reads the group's fencing token.
 */
export interface ConsumerPort {
  readonly groupId: string;
  commit(topic: string, partition: number, offset: string): Promise<void>;
  seek(topic: string, partition: number, offset: string): void;
  pause(topic: string, partitions: readonly number[]): void;
  resume(topic: string, partitions: readonly number[]): void;
  /** Kafka's group generation since the last join (the batches' fencing token); undefined until known. */
  groupGeneration(): number | undefined;
  /** Milliseconds since a broker last answered the consumer (fetch, heartbeat, join, commit); undefined before start. */
  silentForMs(): number | undefined;
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
  /** The consumer every pair shares; it calls this worker's fetched, rebalanced and assigned. */
  readonly consumer: ConsumerPort;
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
  /**
   * Checks assigned partitions for records that expired before the backup read them, and fetches
   * that start above where a partition was (records them as retention gaps). Absent: no checks.
   */
  readonly gaps?: Pick<RetentionGapWatch, 'atAssignment' | 'afterJump' | 'stats'>;
}

/**
 * One pair's share of the backup: batches per partition of its topic, written when full or old
 * enough, committed only after BatchWriter made the batch durable. It owns no Kafka client: the
 * consumer every pair shares (backup-consumer.ts) hands it its topic's fetches and tells it of
 * rebalances, after which every unwritten batch is dropped (kafkajs resumes each partition from
 * its committed offset). A full batch never blocks the shared fetch loop: the partition keeps
 * reading into the next batch while it is written, and is paused only when that one is full too.
 */
export class PairWorker {
  readonly #deps: PairWorkerDeps;
  readonly #log: Logger;
  readonly #malformedLog: MalformedEventLog;
  /** Last offset committed per partition in this run (the next offset to read). */
  readonly #committed = new Map<number, string>();
  readonly #batches = new Map<number, PartitionBatch>();
  /** Partitions reported to readiness as stuck on a batch they cannot write. */
  readonly #stuck = new Set<number>();
  /** Per-partition chain: flushes of one partition run one at a time, in order. */
  readonly #chains = new Map<number, Promise<void>>();
  /** Per partition, batches handed to the chain and not yet settled (backpressure). */
  readonly #inFlight = new Map<number, number>();
  /** Partitions this worker paused because MAX_BATCHES_IN_FLIGHT were in flight. */
  readonly #backpressured = new Set<number>();
  /**
   * Per partition, bumped when a batch failed for good: batches handed to the chain before that
   * (queued behind the failed one) are dropped unwritten, as the partition is re-read.
   */
  readonly #failures = new Map<number, number>();
  readonly #abort = new AbortController();
  /** Bumped at each rebalance: batches of an older generation are never committed. */
  #generation = 0;
  #state: WorkerState = 'idle';
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
   * Milliseconds since a broker last answered the shared consumer (BackupConsumer.silentForMs);
   * undefined before start. `backup --once` gives up on brokers that stay silent too long.
   */
  silentForMs(): number | undefined {
    return this.#deps.consumer.silentForMs();
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

  /** Called by the shared consumer before it fetches anything. */
  start(): void {
    if (this.#state === 'idle') this.#state = 'running';
  }

  /** The shared consumer stopped for good: nothing more is fetched for this pair. */
  fail(): void {
    if (this.#state === 'running') this.#state = 'failed';
  }

  /**
   * Stops buffering, writes and commits every buffered batch. The shared consumer paused every
   * partition before, and disconnects after every worker drained. Safe to call more than once;
   * every caller gets the same promise.
   */
  drain(): Promise<void> {
    this.#drained ??= this.#drainOnce();
    return this.#drained;
  }

  async #drainOnce(): Promise<void> {
    if (this.#state === 'running' || this.#state === 'idle') this.#state = 'draining';
    const pending = [...this.#batches.keys()].map((partition) => this.#flush(partition, 'shutdown'));
    const results = await Promise.allSettled([...pending, ...this.#chains.values()]);
    const failed = results.filter((r) => r.status === 'rejected').length;
    if (failed > 0) this.#log.warn({ failed }, 'some batches could not be written at shutdown; they will be re-read at the next start');
    this.#abort.abort();
    await this.#gapCheck;
    if (this.#state !== 'failed') this.#state = 'stopped';
    this.#malformedLog.summarize({ final: true });
    this.#log.info({ ...this.stats }, 'stopped');
  }

  /** The shared consumer's timer: writes the batches that are old enough. */
  flushDue(): void {
    const now = this.#deps.monotonicNow();
    for (const [partition, batch] of this.#batches) {
      // A paused partition's batch waits for a slot; #releaseBackpressure writes it then.
      if (this.#backpressured.has(partition)) continue;
      if (batch.isDue(now, this.#deps.limits)) {
        // A failure is handled in #writeAndCommit (the partition is re-read from the failed batch).
        this.#flush(partition, 'age').catch(() => {});
      }
    }
  }

  /**
   * The group was joined again (or the consumer crashed): kafkajs resumes every partition from
   * its committed offset, so every unwritten batch is dropped (it would be read twice), and
   * batches being written are no longer committed. Synchronous: called before the first fetch.
   */
  rebalanced(why: 'rebalance' | 'consumer crash'): void {
    this.#generation += 1;
    this.#failedPartitions.clear();
    this.#backpressured.clear();
    this.#dropUnwritten(why);
    this.#expected.clear();
  }

  /**
   * The partitions of this pair's topic assigned at the last join, paused by the shared consumer
   * until this resolves, with the offsets the backup continues at (the group's commit, or the
   * one taken over from the pair's former group). Checks them for a retention gap, then resumes them.
   */
  assigned(partitions: readonly number[], committed: ReadonlyMap<number, bigint>): Promise<void> {
    const generation = this.#generation;
    if (partitions.length > 0) this.#log.debug({ partitions }, 'partitions assigned');
    for (const [partition, offset] of committed) if (partitions.includes(partition)) this.#expected.set(partition, offset);
    const check = this.#checkAssigned(partitions, committed, generation);
    this.#gapCheck = check;
    return check;
  }

  /** One fetch of this pair's topic, from the shared consumer's eachBatch (offsets resolved here, not by kafkajs). */
  async fetched(payload: EachBatchPayload): Promise<void> {
    const { batch, isRunning, isStale, resolveOffset } = payload;
    const { inspector, limits, monotonicNow } = this.#deps;
    const partition = batch.partition;
    if (this.#state !== 'running' || this.#backpressured.has(partition)) return;
    if (await this.#jumpedPastGap(payload)) return;
    for (const message of batch.messages) {
      if (this.#state !== 'running' || !isRunning() || isStale()) return;
      const { record, problems } = toBackupRecord(batch.topic, partition, message);
      let current = this.#batches.get(partition);
      if (!current) {
        current = new PartitionBatch(batch.topic, partition, this.#generation);
        this.#batches.set(partition, current);
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
        this.#onMalformed({ partition, offset: record.offset, code, reason: reasons.join('; ') });
      }
      if (inspection.kind === 'valid') {
        streams = toManifestStreams(inspection.references, record.timestamp);
        for (const rejected of inspection.rejected) {
          this.stats.rejectedReferences += 1;
          this.#log.warn({ partition, offset: record.offset, sha256: rejected.sha256, reason: rejected.reason }, 'stream reference rejected');
        }
      }
      current.add(record, monotonicNow(), { streams, malformed, generation: inspection.kind === 'valid' ? inspection.generation : undefined });
      this.stats.consumed += 1;
      // The next fetch of the partition starts after this record (kafkajs fetches from the resolved offset).
      resolveOffset(message.offset);
      this.#expected.set(partition, BigInt(message.offset) + 1n);
      if (current.isFull(limits)) {
        if (this.#backpressured.has(partition)) {
          // Paused earlier in this fetch, and what was left of it filled the next batch too: that
          // one waits, full, for a slot (#releaseBackpressure writes it); the rest of the fetch is
          // fetched again after the resume, from the resolved offset.
          this.#observeConsumed(partition, BigInt(message.offset));
          return;
        }
        // A failure is handled in #writeAndCommit (the partition is re-read from the failed batch).
        this.#flush(partition, 'full').catch(() => {});
        if ((this.#inFlight.get(partition) ?? 0) >= MAX_BATCHES_IN_FLIGHT) {
          // Backpressure: nothing more of this partition is fetched until a batch is durable. The
          // rest of this fetch goes into the next batch: it is in memory already, and dropping it
          // to fetch it again after the resume made a catch-up read a third of its records twice.
          this.#backpressured.add(partition);
          this.#deps.consumer.pause(batch.topic, [partition]);
        }
      }
    }
    if (batch.messages.length === 0 || this.#state !== 'running' || !isRunning() || isStale()) return;
    // lastOffset() covers the control records and aborted records after the last message, too.
    resolveOffset(batch.lastOffset());
    this.#expected.set(partition, BigInt(batch.lastOffset()) + 1n);
    this.#advancePast(partition, BigInt(batch.lastOffset()), batch.messages.length);
  }

  /**
   * A fetch whose records were all filtered out (transaction markers, aborted records): kafkajs
   * resolves its offset itself and calls no eachBatch, only reports it (END_BATCH_PROCESS).
   */
  skipped(partition: number, lastOffset: bigint): void {
    if (this.#state !== 'running') return;
    this.#advancePast(partition, lastOffset);
  }

  #onMalformed(event: MalformedEvent): void {
    this.stats.malformed += 1;
    this.#malformedLog.report(event);
    this.#deps.observer?.onMalformed?.(this.#deps.pair, { partition: event.partition, offset: event.offset }, event.reason);
  }

  /** Tells the observer (`backup --once`) that the partition's position passed `lastOffset`. */
  #observeConsumed(partition: number, lastOffset: bigint, count = 0): void {
    this.#deps.observer?.onConsumed?.(this.#deps.pair, count, { partition, lastOffset: lastOffset.toString() });
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
    this.#observeConsumed(partition, lastOffset, count);
  }

  async #commitSkipped(partition: number, position: bigint, generation: number): Promise<void> {
    if (generation !== this.#generation || this.#failedPartitions.has(partition)) return;
    // Records fetched after the skipped offsets are buffered; only what lies before them is skipped.
    const buffered = this.#batches.get(partition);
    if (buffered && buffered.size > 0 && BigInt(buffered.records[0]!.offset) < position) return;
    const next = position.toString();
    await this.#deps.consumer.commit(this.#deps.pair.topic, partition, next);
    this.#committed.set(partition, next);
    this.#deps.observer?.onCommitted?.(this.#deps.pair, partition, next);
    this.#log.debug({ partition, offset: next }, 'committed past offsets without records (transaction markers, aborted or compacted records)');
  }

  #flush(partition: number, reason: 'full' | 'age' | 'shutdown'): Promise<void> {
    const batch = this.#batches.get(partition);
    if (!batch || batch.size === 0) return this.#chains.get(partition) ?? Promise.resolve();
    // New events go to a fresh batch while this one waits for the partition's chain and is written.
    this.#batches.delete(partition);
    this.#inFlight.set(partition, (this.#inFlight.get(partition) ?? 0) + 1);
    const failures = this.#failures.get(partition) ?? 0;
    const written = this.#chain(partition, () => this.#writeAndCommit(partition, batch, reason, failures));
    const settled = () => {
      const left = (this.#inFlight.get(partition) ?? 1) - 1;
      if (left > 0) this.#inFlight.set(partition, left);
      else this.#inFlight.delete(partition);
      this.#releaseBackpressure(partition);
    };
    written.then(settled, settled);
    return written;
  }

  /**
   * Resumes a partition paused for backpressure once fewer than MAX_BATCHES_IN_FLIGHT are in flight,
   * whichever generation the batch that settled was of: a pause is always of the current one (a
   * rebalance clears them), and batches of an older one still count while they are written. The
   * batch that filled while the partition was paused, full or old enough, takes the slot first.
   */
  #releaseBackpressure(partition: number): void {
    if (!this.#backpressured.has(partition) || (this.#inFlight.get(partition) ?? 0) >= MAX_BATCHES_IN_FLIGHT) return;
    const waiting = this.#batches.get(partition);
    const full = waiting?.isFull(this.#deps.limits) ?? false;
    if (this.#state === 'running' && waiting && (full || waiting.isDue(this.#deps.monotonicNow(), this.#deps.limits))) {
      // A failure is handled in #writeAndCommit (the partition is re-read from the failed batch).
      this.#flush(partition, full ? 'full' : 'age').catch(() => {});
      if ((this.#inFlight.get(partition) ?? 0) >= MAX_BATCHES_IN_FLIGHT) return;
    }
    this.#backpressured.delete(partition);
    if (this.#state !== 'running') return;
    this.#deps.consumer.resume(this.#deps.pair.topic, [partition]);
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

  async #writeAndCommit(partition: number, batch: PartitionBatch, reason: string, failures: number): Promise<void> {
    // A batch of an older generation: its partition is re-read from the last commit (maybe elsewhere).
    if (batch.generation !== this.#generation) return;
    if ((this.#failures.get(partition) ?? 0) !== failures) {
      // Queued behind a batch that failed for good: the partition is re-read from that batch.
      this.stats.droppedAfterFailure += batch.size;
      throw new Error(`batch from offset ${batch.records[0]!.offset} dropped: an earlier batch of partition ${partition} failed`);
    }
    const { pair } = this.#deps;
    let entry: ManifestEntry;
    try {
      entry = await this.#writeWithRetries(partition, batch);
    } catch (error) {
      if (batch.generation === this.#generation) this.#failedPartitions.add(partition);
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
    await this.#deps.consumer.commit(pair.topic, partition, next);
    this.#committed.set(partition, next);
    this.#deps.observer?.onCommitted?.(pair, partition, next);
    this.#log.info(
      { partition, key: entry.key, count: entry.count, bytes: entry.bytes, firstOffset: entry.firstOffset, lastOffset: entry.lastOffset, reason },
      'batch durable and committed',
    );
  }

  #writeWithRetries(partition: number, batch: PartitionBatch): Promise<ManifestEntry> {
    const { pair, writer, consumer } = this.#deps;
    const isCurrent = () => this.#generation === batch.generation;
    const fence = () => {
      const generation = consumer.groupGeneration();
      return isCurrent() && generation !== undefined ? { group: consumer.groupId, generation } : undefined;
    };
    return pRetry(() => writer.write(pair, batch, isCurrent, fence()), {
      // While running, S3 outages are waited out (this partition stops reading at two batches in
      // flight, memory stays bounded, other pairs go on). While draining, a few attempts, then the
      // batch is left to be re-read.
      retries: Number.POSITIVE_INFINITY,
      minTimeout: 500,
      maxTimeout: 30_000,
      randomize: true,
      signal: this.#abort.signal,
      // Waiting for the group generation (the first heartbeat after a join, within a second) is
      // no failed attempt: a drain right after a join must not give its batches up for it.
      shouldRetry: ({ error, attemptNumber }) =>
        this.#generation === batch.generation && (this.#state === 'running' || attemptNumber < DRAIN_ATTEMPTS || error instanceof FenceUnknownError),
      onFailedAttempt: ({ error, attemptNumber }) => {
        if (error instanceof FenceUnknownError) {
          this.#log.debug({ partition, attempt: attemptNumber }, 'batch waits for the group generation (its fencing token)');
          return;
        }
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
   * (the next batch of the partition, queued or filling) are dropped unwritten, so no later flush
   * of the partition can write and commit them. While running, the partition is sought back to the
   * failed batch's first offset and re-read from there; while draining nothing more is consumed,
   * and the next start resumes from the last commit, which is at or before that offset.
   */
  #onWriteFailed(partition: number, batch: PartitionBatch, error: unknown): void {
    const first = batch.records[0]!.offset;
    // A batch of an older generation failing says nothing of the current one: the rebalance dropped
    // what that one had buffered, and the partition is read again from its last commit. Counting it
    // would drop the current generation's batches queued behind it, which nothing re-reads.
    if (batch.generation !== this.#generation) return;
    this.#failures.set(partition, (this.#failures.get(partition) ?? 0) + 1);
    let droppedBehind = 0;
    const filling = this.#batches.get(partition);
    if (filling && filling.generation === batch.generation) {
      this.#batches.delete(partition);
      droppedBehind += filling.size;
    }
    this.stats.droppedAfterFailure += droppedBehind;
    if (this.#state === 'running') {
      this.#log.warn({ err: error, partition, offset: first }, 'batch could not be written; the partition is re-read from its first offset');
      this.#deps.consumer.seek(this.#deps.pair.topic, partition, first);
      this.#expected.set(partition, BigInt(first));
      return;
    }
    this.#log.warn(
      { err: error, partition, offset: first, droppedBehind },
      'batch could not be written while draining; nothing after it is committed, it is re-read at the next start',
    );
  }

  /**
   * Before an assigned partition is fetched, compares where the backup continues with the
   * partition's log start offset: records that expired are recorded as a gap while the group's
   * offset still says where the backup stopped (kafkajs overwrites it on OFFSET_OUT_OF_RANGE).
   * The partitions stay paused meanwhile (the shared consumer paused them at the join, before the
   * first fetch) and are sought to the log start after a gap (kafkajs would reset to the end with
   * fromBeginning off). A check that fails is logged and consumption goes on (a later jump past a
   * gap is still noticed).
   */
  async #checkAssigned(partitions: readonly number[], committed: ReadonlyMap<number, bigint>, generation: number): Promise<void> {
    if (partitions.length === 0) return;
    const topic = this.#deps.pair.topic;
    try {
      if (!this.#deps.gaps) return;
      const starts = await this.#deps.gaps.atAssignment(partitions, committed);
      if (generation !== this.#generation || this.#state !== 'running') return;
      for (const start of starts) {
        if (start.seekTo !== undefined) {
          this.#deps.consumer.seek(topic, start.partition, start.seekTo.toString());
          this.#log.info({ partition: start.partition, offset: start.seekTo.toString() }, 'partition starts at its log start offset, after the retention gap');
        }
        if (start.continueAt !== undefined) this.#expected.set(start.partition, start.continueAt);
      }
    } catch (error) {
      this.#log.warn({ err: error, partitions }, 'could not check the assigned partitions for retention gaps; consuming anyway');
    } finally {
      if (generation === this.#generation && this.#state === 'running') this.#deps.consumer.resume(topic, partitions);
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
      this.#deps.consumer.seek(batch.topic, batch.partition, seekTo.toString());
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
