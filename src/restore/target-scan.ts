import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import pRetry from 'p-retry';
import { classifyKafkaError } from '../kafka/classify-kafka-error.js';
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

export interface ScannedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly origin: OriginalPosition;
  readonly comparable: ComparableRecord;
}

/**
 * Reads the restore target: partition bounds, and windows of records carrying the original-position
 * headers. kafkajs has no group-less fetch, so a scan is a consumer in a fresh, never-committed
 * group that seeks each partition to its window; one scan covers every window at once because
 * joining a group costs seconds.
 */
export class TargetReader {
  readonly #kafka: Kafka;
  readonly #logger: Logger;
  readonly #timeoutMs: number;

  constructor(kafka: Kafka, logger: Logger, timeoutMs: number) {
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
      await admin.disconnect();
    }
  }

  async scan(
    requests: readonly ScanRequest[],
    bounds: ReadonlyMap<string, readonly PartitionBounds[]>,
    visit: (record: ScannedRecord) => void,
  ): Promise<{ records: number }> {
    const pending = new Map<string, { from: bigint; high: bigint }>();
    for (const r of requests) {
      const b = bounds.get(r.topic)?.[r.partition];
      if (!b) throw new Error(`expected partition ${r.partition} of target topic ${r.topic} to exist, got no such partition`);
      const from = r.from < b.low ? b.low : r.from;
      if (from < b.high) pending.set(`${r.topic}:${r.partition}`, { from, high: b.high });
    }
    if (pending.size === 0) return { records: 0 };
    const windows = [...pending].map(([id, w]) => `${id} [${w.from}, ${w.high})`);
    this.#logger.info({ windows: windows.slice(0, 20), count: windows.length }, 'reading the target to find where each partition continues');

    let records = 0;
    const consumer = this.#kafka.consumer({
      groupId: `streamvault-restore-scan-${randomUUID()}`,
      maxWaitTimeInMs: 200,
      allowAutoTopicCreation: false,
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...new Set([...pending.keys()].map((id) => id.slice(0, id.lastIndexOf(':'))))], fromBeginning: true });
      let finish!: () => void;
      let fail!: (error: Error) => void;
      const done = new Promise<void>((resolve, reject) => {
        finish = resolve;
        fail = reject;
      });
      timer = setTimeout(
        () =>
          fail(
            new Error(
              `reading the target did not finish within ${this.#timeoutMs / 1000} s (STREAMVAULT_RESTORE_SCAN_TIMEOUT_SECONDS); still waiting for ${[...pending.keys()].join(', ')}`,
            ),
          ),
        this.#timeoutMs,
      );
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const id = `${batch.topic}:${batch.partition}`;
          const window = pending.get(id);
          if (!window) {
            consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
            return;
          }
          for (const m of batch.messages) {
            const offset = BigInt(m.offset);
            if (offset < window.from) continue;
            if (offset >= window.high) break;
            const origin = originalPosition(m.headers);
            if (!origin) continue;
            records += 1;
            visit({
              topic: batch.topic,
              partition: batch.partition,
              offset,
              origin,
              comparable: { origin, timestamp: m.timestamp, key: m.key, value: m.value, headers: m.headers ?? {} },
            });
          }
          if (BigInt(batch.lastOffset()) + 1n >= window.high) {
            pending.delete(id);
            consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
            if (pending.size === 0) finish();
          }
        },
      });
      for (const [id, w] of pending) {
        const cut = id.lastIndexOf(':');
        consumer.seek({ topic: id.slice(0, cut), partition: Number(id.slice(cut + 1)), offset: w.from.toString() });
      }
      await done;
      return { records };
    } finally {
      clearTimeout(timer);
      await consumer.disconnect().catch((error: unknown) => this.#logger.warn({ err: error }, 'target scan consumer did not disconnect cleanly'));
    }
  }
}
