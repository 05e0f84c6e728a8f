import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import pRetry from 'p-retry';
import { classifyKafkaError } from '../errors/kafka-error-class.js';
import type { Logger } from '../observability/logger.js';
import { originalPosition, type ComparableRecord, type OriginalPosition } from './restored-record.js';

export interface PartitionBounds {
  /** First retained offset. */
  readonly low: bigint;
  /** Next offset to be written (high watermark). */
  readonly high: bigint;
}

export interface ScanRequest {
  readonly topic: string;
  readonly partition: number;
  /** First offset to read; reading stops at the high watermark known when the scan started. */
  readonly from: bigint;
}

/** What is left to read of one partition: offsets `next` (the first not yet visited) to `high`, exclusive. */
interface ScanWindow {
  readonly topic: string;
  readonly partition: number;
  next: bigint;
  readonly high: bigint;
}

export interface ScannedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly origin: OriginalPosition;
  readonly comparable: ComparableRecord;
}

/** What restore reads of the target: partition bounds and windows of restored records (TargetReader). */
export type TargetScan = Pick<TargetReader, 'bounds' | 'scan'>;

/** The clients TargetReader makes (a kafkajs `Kafka`; a fake cluster in unit tests): an admin per bounds read, a consumer per scan attempt. */
export type TargetClients = Pick<Kafka, 'admin' | 'consumer'>;

/**
 * Reads the restore target: partition bounds, and windows of records carrying the original-position
 * headers. kafkajs has no group-less fetch (no `assign()`; its consumer always joins a group), so a
 * scan is a consumer in a fresh, never-committed group that seeks each partition to its window; one
 * scan covers every window at once because joining a group costs seconds.
 */
export class TargetReader {
  readonly #kafka: TargetClients;
  readonly #logger: Logger;
  readonly #timeoutMs: number;

  /** `timeoutMs`: the whole scan's limit (STREAMVAULT_RESTORE_SCAN_TIMEOUT_SECONDS), in milliseconds. */
  constructor(kafka: TargetClients, logger: Logger, timeoutMs: number) {
    this.#kafka = kafka;
    this.#logger = logger;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Bounds of every partition of each topic; index = partition number. Auto-creates topics where
   * the cluster does. A topic created a moment ago can still answer "not the leader" (or lack
   * metadata) while its leaders settle, and kafkajs gives up on the first such answer and keeps its
   * stale metadata: a read is safe to repeat, so a retriable one is, with a new admin client each time.
   */
  async bounds(topics: readonly string[]): Promise<Map<string, PartitionBounds[]>> {
    return pRetry(() => this.#readBounds(topics), {
      retries: 8,
      minTimeout: 200,
      maxTimeout: 3_000,
      shouldRetry: ({ error }) => {
        const kind = classifyKafkaError(error).kind;
        if (kind === 'retriable' || kind === 'retriable-before-send') {
          this.#logger.info({ err: error }, 'reading the target\'s partition offsets failed; retrying');
          return true;
        }
        return false;
      },
    });
  }

  async #readBounds(topics: readonly string[]): Promise<Map<string, PartitionBounds[]>> {
    const admin = this.#kafka.admin();
    await admin.connect();
    try {
      const result = new Map<string, PartitionBounds[]>();
      for (const topic of topics) {
        const offsets = await admin.fetchTopicOffsets(topic);
        const bounds: PartitionBounds[] = [];
        for (const o of offsets) bounds[o.partition] = { low: BigInt(o.low), high: BigInt(o.high) };
        result.set(topic, bounds);
      }
      return result;
    } finally {
      // A failed disconnect must not replace the bounds read, or the error that stopped reading them.
      await admin.disconnect().catch((error: unknown) => this.#logger.warn({ err: error }, 'target scan admin client did not disconnect cleanly'));
    }
  }

  /**
   * Visits every record with original-position headers in each requested window, exactly once.
   *
   * The group is the scan's own, so on a cluster that just started it is often the first group the
   * cluster sees: its coordinator is still being created and loaded (GROUP_COORDINATOR_NOT_AVAILABLE,
   * COORDINATOR_LOAD_IN_PROGRESS). A consumer that crashes on that inside `run()` has no group any
   * more, and kafkajs would restart it as a new one that has forgotten every seek. So an attempt
   * seeks when, and each time, the group is joined, a crash ends the attempt, and a retriable crash
   * (errors/kafka-error-class.ts) starts a new consumer from where the windows got to, until the scan
   * timeout.
   */
  async scan(
    requests: readonly ScanRequest[],
    bounds: ReadonlyMap<string, readonly PartitionBounds[]>,
    visit: (record: ScannedRecord) => void,
  ): Promise<{ records: number }> {
    const windows = new Map<string, ScanWindow>();
    for (const r of requests) {
      const b = bounds.get(r.topic)?.[r.partition];
      if (!b) throw new Error(`expected partition ${r.partition} of target topic ${r.topic} to exist, got no such partition`);
      const next = r.from < b.low ? b.low : r.from;
      if (next < b.high) windows.set(`${r.topic}:${r.partition}`, { topic: r.topic, partition: r.partition, next, high: b.high });
    }
    if (windows.size === 0) return { records: 0 };
    const described = [...windows].map(([id, w]) => `${id} [${w.next}, ${w.high})`);
    this.#logger.info({ windows: described.slice(0, 20), count: described.length }, 'reading the target to find where each partition continues');

    const progress = { records: 0 };
    const deadline = new AbortController();
    const timer = setTimeout(
      () =>
        deadline.abort(
          new Error(
            `reading the target did not finish within ${this.#timeoutMs / 1000} s (STREAMVAULT_RESTORE_SCAN_TIMEOUT_SECONDS); still waiting for ${[...windows.keys()].join(', ')}`,
          ),
        ),
      this.#timeoutMs,
    );
    try {
      await pRetry(() => this.#scanOnce(windows, visit, progress, deadline.signal), {
        retries: 8,
        minTimeout: 200,
        maxTimeout: 3_000,
        signal: deadline.signal,
        shouldRetry: ({ error }) => {
          if (deadline.signal.aborted) return false;
          const kind = classifyKafkaError(error).kind;
          if (kind === 'retriable' || kind === 'retriable-before-send') {
            this.#logger.info({ err: error, remaining: windows.size }, 'reading the target failed; retrying with a new consumer from where each window got to');
            return true;
          }
          return false;
        },
      });
      return { records: progress.records };
    } finally {
      clearTimeout(timer);
    }
  }

  /** One consumer, in a fresh group, reading what is left of `windows`; rejects on its crash or on `stop`. */
  async #scanOnce(windows: Map<string, ScanWindow>, visit: (record: ScannedRecord) => void, progress: { records: number }, stop: AbortSignal): Promise<void> {
    if (stop.aborted) throw stop.reason;
    const consumer = this.#kafka.consumer({
      groupId: `streamvault-restore-scan-${randomUUID()}`,
      maxWaitTimeInMs: 200,
      allowAutoTopicCreation: false,
      // A crash ends the attempt (the scan decides whether to try again); a restarted consumer
      // would be a new group without the seeks.
      retry: { restartOnFailure: async () => false },
    });
    let finish!: () => void;
    let fail!: (error: unknown) => void;
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const failed = new Promise<never>((_, reject) => {
      fail = reject;
    });
    // Awaited only in races below; a failure before them must not count as unhandled.
    failed.catch(() => {});
    const onStop = () => fail(stop.reason);
    stop.addEventListener('abort', onStop, { once: true });
    consumer.on(consumer.events.CRASH, (event) => fail(event.payload.error));
    // The group exists from here on: seek every window still open to where it got to. A rejoin
    // starts from the never-committed group's beginning again, so it seeks again.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const w of windows.values()) consumer.seek({ topic: w.topic, partition: w.partition, offset: w.next.toString() });
    });
    const orFail = <T>(step: Promise<T>) => Promise.race([step, failed]);
    try {
      await orFail(consumer.connect());
      await orFail(consumer.subscribe({ topics: [...new Set([...windows.values()].map((w) => w.topic))], fromBeginning: true }));
      await orFail(
        consumer.run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const id = `${batch.topic}:${batch.partition}`;
            const window = windows.get(id);
            if (!window) {
              consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
              return;
            }
            for (const m of batch.messages) {
              const offset = BigInt(m.offset);
              // Below `next`: before the window, or visited already by this or an earlier attempt.
              if (offset < window.next) continue;
              if (offset >= window.high) break;
              window.next = offset + 1n;
              const origin = originalPosition(m.headers);
              if (!origin) continue;
              progress.records += 1;
              visit({
                topic: batch.topic,
                partition: batch.partition,
                offset,
                origin,
                comparable: { origin, timestamp: m.timestamp, key: m.key, value: m.value, headers: m.headers ?? {} },
              });
            }
            const last = BigInt(batch.lastOffset()) + 1n;
            if (last > window.next) window.next = last;
            if (window.next >= window.high) {
              windows.delete(id);
              consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
              if (windows.size === 0) finish();
            }
          },
        }),
      );
      await orFail(finished);
    } finally {
      stop.removeEventListener('abort', onStop);
      await consumer.disconnect().catch((error: unknown) => this.#logger.warn({ err: error }, 'target scan consumer did not disconnect cleanly'));
    }
  }
}
