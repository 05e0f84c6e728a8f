import type { Consumer, ConsumerConfig, EachBatchPayload } from 'kafkajs';
import pRetry from 'p-retry';
import PQueue from 'p-queue';
import type { Pair } from '../config/pair.js';
import type { Logger } from '../observability/logger.js';
import type { OffsetsAdmin } from '../observability/consumer-lag.js';
import { isCredentialOrPermissionError } from '../errors/classify.js';
import { classifyKafkaError } from '../errors/kafka-error-class.js';
import { findCompressionCodecError } from '../kafka/compression-codecs.js';
import { KAFKA_RETRY } from '../kafka/create-kafka.js';
import type { BatchLimits } from '../config/settings.js';
import type { ConsumerPort, PairWorker } from './pair-worker.js';
import { startOffsets } from './start-offsets.js';

/** Consumer restarts after errors kafkajs does not retry, tolerated within RESTART_WINDOW_MS. */
const MAX_RESTARTS_PER_WINDOW = 5;
const RESTART_WINDOW_MS = 5 * 60_000;

/** Pairs whose assigned partitions are checked for retention gaps at once after a join. */
const ASSIGNMENT_CHECKS_AT_ONCE = 8;

/** Bytes per partition in one fetch: small enough that a backlog on a few partitions leaves room for the others. */
const FETCH_BYTES_PER_PARTITION = 2 * 1024 * 1024;
/** Bytes of one fetch answer (per broker): with the batches in flight, what bounds the memory of reading. */
const FETCH_BYTES = 16 * 1024 * 1024;
/** How long a fetch waits for data, and how long kafkajs sleeps when every partition is paused. */
const FETCH_MAX_WAIT_MS = 200;

/** The fetch settings of the backup consumer (the bench's bare kafkajs reader uses the same). */
export interface ConsumerFetchSettings {
  readonly maxBytesPerPartition: number;
  readonly maxBytes: number;
  readonly maxWaitTimeInMs: number;
}

/**
 * Bounded fetches: with the two batches in flight per partition, the byte limits bound the memory
 * of reading. The wait is short because of how kafkajs fetches: when every partition it could
 * fetch from a broker is paused (at a join, until the start offsets are settled; under
 * backpressure, while two batches per partition are being written) it sleeps maxWaitTime before
 * it looks again (consumerGroup.fetch), so a partition resumed during that sleep waits for it. At
 * 1000 ms a backlog was read in bursts with up to a second of nothing between them (the bench's
 * 30,000-event backlog took 7.8 s; at 200 ms, 4.8 s). An idle topic costs one fetch per broker per
 * wait: 100 ms took an idle daemon of 500 pairs over its CPU target (0.18 of a core), 200 ms
 * stays at about 0.07. Disconnect waits for the fetch in flight, so phase 1 of a shutdown is
 * quicker too.
 */
export function consumerFetchSettings(batchMaxBytes: number): ConsumerFetchSettings {
  return {
    maxBytesPerPartition: Math.min(batchMaxBytes, FETCH_BYTES_PER_PARTITION),
    maxBytes: FETCH_BYTES,
    maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
  };
}

export type BackupConsumerState = 'idle' | 'running' | 'draining' | 'stopped' | 'failed';

export interface BackupConsumerDeps {
  /** Builds the kafkajs consumer (kafka.consumer; a fake in unit tests). */
  readonly createConsumer: (config: ConsumerConfig) => Consumer;
  /** The one consumer group of every pair; replicas with the same id share the partitions. */
  readonly groupId: string;
  /** A pair's group before one group served every pair: its commits are taken over (start-offsets.ts). */
  readonly legacyGroupIdOf: (pair: Pair) => string;
  /** Reads committed offsets (the backup group's, the legacy groups'). */
  readonly admin: Pick<OffsetsAdmin, 'fetchOffsets'>;
  readonly fromBeginning: boolean;
  readonly sessionTimeoutMs: number;
  readonly limits: BatchLimits;
  readonly logger: Logger;
  /** Monotonic milliseconds. */
  readonly monotonicNow: () => number;
  /** Called when the consumer fails beyond recovery (every pair stops reading). */
  readonly onFatal: (error: Error) => void;
}

/**
 * The one Kafka consumer of a backup process: one group, subscribed to every pair's topic, so the
 * cost of a pair is its buffers and metrics, not a client, connections and a group of its own.
 * It hands each fetch to the pair worker of its topic (which batches per partition as before),
 * tells every worker of each rebalance, pauses every assigned partition at a join until its start
 * offset is settled (the group's commit, else the one taken over from the pair's former group,
 * then the pair's retention gap check), runs the one flush timer, restarts the consumer after a
 * crash, and at drain stops fetching, lets every worker write and commit, then leaves the group.
 */
export class BackupConsumer implements ConsumerPort {
  readonly #deps: BackupConsumerDeps;
  readonly #log: Logger;
  readonly #consumer: Consumer;
  readonly #workers = new Map<string, PairWorker>();
  readonly #abort = new AbortController();
  #state: BackupConsumerState = 'idle';
  /** Joins seen; a start-offset resolution of an earlier join stops when it changes. */
  #joins = 0;
  #groupGeneration: number | undefined;
  #lastContactAt: number | undefined;
  /** Monotonic times of recent restarts after errors kafkajs does not retry. */
  #restarts: number[] = [];
  /** Crashes since the last join, for the back-off of restarts after retriable errors. */
  #crashesSinceJoin = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  /** A restart in flight (connect, subscribe, run): drain waits for it, as kafkajs cannot cancel it. */
  #restarting: Promise<void> | undefined;
  /** The start offsets of the last join being settled; drain waits for it. */
  #settling: Promise<void> | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #drained: Promise<void> | undefined;
  /** Whether records were fetched since the last join (said once per join in the log). */
  #fetchedSinceJoin = false;

  constructor(deps: BackupConsumerDeps) {
    this.#deps = deps;
    this.#log = deps.logger.child({ group: deps.groupId });
    this.#consumer = deps.createConsumer({
      groupId: deps.groupId,
      sessionTimeout: deps.sessionTimeoutMs,
      // Frequent: one consumer for every pair makes it cheap, and the first heartbeat after a join
      // is where the batches' fencing token (the group generation) is learnt.
      heartbeatInterval: Math.min(1000, Math.floor(deps.sessionTimeoutMs / 3)),
      ...consumerFetchSettings(deps.limits.maxBytes),
      // kafkajs's own restart after a crash is scheduled even when the crash comes after
      // disconnect (a retry series still running then ends in one), and then restarts for ever:
      // a stopped daemon kept trying and logging. This class restarts the consumer itself.
      retry: { ...KAFKA_RETRY, restartOnFailure: async () => false },
    });
  }

  get groupId(): string {
    return this.#deps.groupId;
  }

  get state(): BackupConsumerState {
    return this.#state;
  }

  /** The workers this consumer feeds, one per pair (each topic belongs to one pair: resolve-pairs.ts). */
  serve(workers: readonly PairWorker[]): void {
    for (const worker of workers) this.#workers.set(worker.pair.topic, worker);
  }

  // ConsumerPort: what the workers use.
  commit(topic: string, partition: number, offset: string): Promise<void> {
    return this.#consumer.commitOffsets([{ topic, partition, offset }]).then(() => this.#contact());
  }

  seek(topic: string, partition: number, offset: string): void {
    this.#consumer.seek({ topic, partition, offset });
  }

  pause(topic: string, partitions: readonly number[]): void {
    if (partitions.length > 0) this.#consumer.pause([{ topic, partitions: [...partitions] }]);
  }

  resume(topic: string, partitions: readonly number[]): void {
    if (this.#state !== 'running' || partitions.length === 0) return;
    try {
      this.#consumer.resume([{ topic, partitions: [...partitions] }]);
    } catch (error) {
      // The consumer is being stopped or restarted; its next join pauses and resumes again.
      this.#log.debug({ err: error, topic, partitions }, 'could not resume partitions');
    }
  }

  groupGeneration(): number | undefined {
    return this.#groupGeneration;
  }

  /**
   * Milliseconds since a broker last answered (a fetch, even an empty one, comes back within the
   * fetch wait; heartbeats go on while a batch is written; a join, a commit), by `monotonicNow`;
   * undefined before start.
   */
  silentForMs(): number | undefined {
    return this.#lastContactAt === undefined ? undefined : this.#deps.monotonicNow() - this.#lastContactAt;
  }

  async start(): Promise<void> {
    const consumer = this.#consumer;
    const contact = () => this.#contact();
    contact();
    consumer.on(consumer.events.FETCH, contact);
    consumer.on(consumer.events.CONNECT, contact);
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      contact();
      this.#onJoin(event.payload.memberAssignment);
    });
    consumer.on(consumer.events.HEARTBEAT, (event) => {
      contact();
      this.#groupGeneration = Math.max(this.#groupGeneration ?? 0, event.payload.groupGenerationId);
    });
    // kafkajs does not call eachBatch for a fetch whose records were all filtered out (transaction
    // markers, aborted records): it only resolves the offset and reports the batch here.
    consumer.on(consumer.events.END_BATCH_PROCESS, (event) => {
      const { topic, partition, batchSize, lastOffset } = event.payload;
      if (batchSize !== 0 || this.#state !== 'running') return;
      this.#workers.get(topic)?.skipped(partition, BigInt(lastOffset));
    });
    consumer.on(consumer.events.CRASH, (event) => this.#onCrash(event.payload.error));
    this.#state = 'running';
    for (const worker of this.#workers.values()) worker.start();
    const tick = Math.max(20, Math.min(1000, Math.floor(this.#deps.limits.maxAgeMs / 4)));
    this.#flushTimer = setInterval(() => {
      for (const worker of this.#workers.values()) worker.flushDue();
    }, tick);
    this.#flushTimer.unref();
    await this.#run();
    this.#log.info({ topics: this.#workers.size }, 'consuming');
  }

  /**
   * Stops fetching, lets every worker write and commit its batches, then leaves the group. Safe to
   * call more than once; every caller gets the same promise.
   */
  drain(): Promise<void> {
    this.#drained ??= this.#drainOnce();
    return this.#drained;
  }

  async #drainOnce(): Promise<void> {
    if (this.#state === 'running' || this.#state === 'idle') this.#state = 'draining';
    clearInterval(this.#flushTimer);
    try {
      this.#consumer.pause([...this.#workers.keys()].map((topic) => ({ topic })));
    } catch {
      // not running yet: nothing is fetched anyway
    }
    await Promise.all([...this.#workers.values()].map((w) => w.drain()));
    this.#abort.abort();
    clearTimeout(this.#restartTimer);
    // Its connect retries end by themselves (KAFKA_RETRY); disconnecting under them would leave
    // them reconnecting after the consumer stopped.
    await this.#restarting;
    await this.#settling;
    try {
      await this.#consumer.disconnect();
    } catch (error) {
      this.#log.warn({ err: error }, 'disconnect failed');
    }
    if (this.#state !== 'failed') this.#state = 'stopped';
  }

  #contact(): void {
    this.#lastContactAt = this.#deps.monotonicNow();
  }

  async #run(): Promise<void> {
    const consumer = this.#consumer;
    await consumer.connect();
    // A topic that does not exist yet, on a cluster that auto-creates topics: the first metadata
    // request creates it, but kafkajs throws that request's answer (unknown topic, retriable)
    // instead of asking again. Ask again a few times; a topic that never appears still fails.
    await pRetry(() => consumer.subscribe({ topics: [...this.#workers.keys()], fromBeginning: this.#deps.fromBeginning }), {
      retries: 6,
      minTimeout: 250,
      maxTimeout: 2000,
      signal: this.#abort.signal,
      shouldRetry: ({ error }) => (error as { retriable?: unknown }).retriable === true,
    });
    await consumer.run({
      autoCommit: false,
      // Each worker resolves the offsets it buffered: a partition paused for backpressure with
      // the rest of a fetch left unbuffered is fetched again from there.
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: (payload) => this.#onBatch(payload),
    });
  }

  async #onBatch(payload: EachBatchPayload): Promise<void> {
    if (!this.#fetchedSinceJoin && payload.batch.messages.length > 0) {
      this.#fetchedSinceJoin = true;
      this.#log.info({ topic: payload.batch.topic, partition: payload.batch.partition }, 'first records fetched since the join');
    }
    const worker = this.#workers.get(payload.batch.topic);
    if (worker) await worker.fetched(payload);
  }

  /**
   * A join (the first, or after a rebalance or a restart): every worker drops what it has not
   * written, as kafkajs resumes each partition from its committed offset. The assigned partitions
   * are paused before kafkajs's first fetch (GROUP_JOIN comes before it) and resumed by their
   * worker once their start offsets are settled.
   */
  #onJoin(assignment: Record<string, number[]>): void {
    this.#joins += 1;
    this.#crashesSinceJoin = 0;
    this.#fetchedSinceJoin = false;
    this.#groupGeneration = undefined;
    const assigned: Array<{ worker: PairWorker; partitions: number[] }> = [];
    for (const [topic, worker] of this.#workers) {
      worker.rebalanced('rebalance');
      const partitions = assignment[topic] ?? [];
      if (partitions.length === 0) continue;
      this.pause(topic, partitions);
      assigned.push({ worker, partitions });
    }
    this.#log.info(
      {
        topics: assigned.length,
        partitions: assigned.reduce((n, a) => n + a.partitions.length, 0),
        assignment: Object.fromEntries(assigned.map((a) => [a.worker.pair.topic, a.partitions])),
      },
      'joined consumer group',
    );
    if (this.#state === 'running' && assigned.length > 0) this.#settling = this.#settle(assigned, this.#joins);
  }

  /**
   * Settles where each assigned partition starts and hands it to its worker. Nothing of a pair
   * is fetched before its offsets are known: resuming without them would read a partition whose
   * pair moved from its own group from the start (duplicates) or, reading from the end, skip
   * what was not backed up yet. So the lookup is retried until it succeeds or the join is stale.
   */
  async #settle(assigned: ReadonlyArray<{ worker: PairWorker; partitions: number[] }>, join: number): Promise<void> {
    const current = () => join === this.#joins && this.#state === 'running';
    let starts: Awaited<ReturnType<typeof startOffsets>>;
    try {
      starts = await pRetry(
        () =>
          startOffsets({
            admin: this.#deps.admin,
            groupId: this.#deps.groupId,
            assigned: assigned.map(({ worker, partitions }) => ({ pair: worker.pair, partitions, legacyGroupId: this.#deps.legacyGroupIdOf(worker.pair) })),
          }),
        {
          retries: Number.POSITIVE_INFINITY,
          minTimeout: 500,
          maxTimeout: 10_000,
          signal: this.#abort.signal,
          shouldRetry: () => current(),
          onFailedAttempt: ({ error, attemptNumber }) =>
            this.#log.warn({ err: error, attempt: attemptNumber }, 'could not read the committed offsets of the assigned partitions; the partitions stay paused, retrying'),
        },
      );
    } catch (error) {
      if (current()) this.#log.error({ err: error }, 'the committed offsets of the assigned partitions could not be read');
      return;
    }
    if (!current()) return;
    const takenOver = starts.takenOver;
    if (takenOver.length > 0) {
      // Committed in this group at once, so every replica and every later start reads them here.
      try {
        await this.#consumer.commitOffsets(takenOver.map((t) => ({ topic: t.pair.topic, partition: t.partition, offset: t.offset.toString() })));
      } catch (error) {
        // The partitions are still sought there; the next join takes them over again.
        this.#log.warn({ err: error }, 'could not commit the offsets taken over in the backup group; they are taken over again at the next join');
      }
      if (!current()) return;
      for (const t of takenOver) this.seek(t.pair.topic, t.partition, t.offset.toString());
      this.#log.info(
        { partitions: takenOver.map((t) => ({ topic: t.pair.topic, partition: t.partition, offset: t.offset.toString(), from: t.from })) },
        'committed offsets taken over from the per-pair consumer groups of an earlier version',
      );
    }
    const queue = new PQueue({ concurrency: ASSIGNMENT_CHECKS_AT_ONCE });
    await Promise.all(
      assigned.map(({ worker, partitions }) =>
        queue.add(async () => {
          if (current()) await worker.assigned(partitions, starts.committed.get(worker.pair.topic) ?? new Map());
        }),
      ),
    );
    if (current()) {
      this.#log.info(
        { topics: assigned.length, partitions: assigned.reduce((n, a) => n + a.partitions.length, 0) },
        'start offsets settled; consuming every assigned partition',
      );
    }
  }

  #onCrash(error: Error): void {
    for (const worker of this.#workers.values()) worker.rebalanced('consumer crash');
    if (this.#state !== 'running') {
      // A retry series that was running when the consumer stopped; nothing is restarted.
      this.#log.debug({ err: error }, 'consumer ended with an error after it was stopped');
      return;
    }
    const codecError = findCompressionCodecError(error);
    if (codecError) {
      // The same bytes fail at every fetch: stop with the reason instead of refetching.
      this.#fail(new Error(`cannot read the backed-up topics: ${codecError.message}`, { cause: codecError }), 'consumer stopped: a record batch cannot be decompressed');
      return;
    }
    const kind = classifyKafkaError(error).kind;
    if (kind === 'retriable' || kind === 'retriable-before-send') {
      // A broker outage is waited out (the lost-broker bound of `backup --once` is its own).
      this.#log.warn({ err: error }, 'consumer crashed on a transient error; restarting it from the committed offsets');
      this.#restart(this.#crashesSinceJoin++);
      return;
    }
    if (!isCredentialOrPermissionError(error) && this.#mayRestart()) {
      // kafkajs gives up on errors it deems non-retriable, but during rebalances brokers answer
      // some requests with such errors transiently; the consumer resumes from the committed offsets.
      this.#log.warn({ err: error }, 'consumer crashed on an error kafkajs does not retry; restarting it');
      this.#restart(this.#restarts.length);
      return;
    }
    this.#fail(error, 'consumer crashed and will not restart');
  }

  #fail(error: Error, message: string): void {
    this.#state = 'failed';
    this.#log.error({ err: error }, message);
    for (const worker of this.#workers.values()) worker.fail();
    void this.#consumer.stop().catch(() => {});
    this.#deps.onFatal(error);
  }

  /** Restarts after errors kafkajs does not retry, unless they keep coming. */
  #mayRestart(): boolean {
    const now = this.#deps.monotonicNow();
    this.#restarts = this.#restarts.filter((t) => now - t < RESTART_WINDOW_MS);
    this.#restarts.push(now);
    return this.#restarts.length <= MAX_RESTARTS_PER_WINDOW;
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
          this.#fail(error, 'consumer restart failed');
        })
        .finally(() => {
          this.#restarting = undefined;
        });
    }, delay);
  }
}
