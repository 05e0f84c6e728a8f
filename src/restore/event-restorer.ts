import pRetry from 'p-retry';
import { createHash } from 'node:crypto';
import { Partitioners, type Message, type Producer } from 'kafkajs';
import PQueue from 'p-queue';
import { decodeContainer } from '../events/avro-container.js';
import type { BackupRecord } from '../events/backup-record.js';
import { classifyKafkaError, type KafkaErrorClass } from '../errors/kafka-error-class.js';
import type { Logger } from '../observability/logger.js';
import type { ManifestEntry } from '../storage/manifest.js';
import type { ObjectStore } from '../storage/object-store.js';
import { partitionId } from './resume-decision.js';
import { orderedSteps, type PairOrder } from '../config/pair-order.js';
import { inOffsetScope } from './offset-ranges.js';
import { ProduceRequestTimestamps } from './produce-request-timestamps.js';
import { inTimeScope, type PlannedPartition, type RestoreScope } from './restore-plan.js';
import { addDigest, comparableFromBackup, recordDigest, toRestoredMessage } from './restored-record.js';
import type { RestoreJournal } from './restore-journal.js';
import type { PartitionBounds } from './target-scan.js';
import type { Throttle } from './throttle.js';

export interface EventRestoreResult {
  produced: number;
  /** Records already in the target (from an earlier run) or repeated by overlapping backup objects. */
  skippedPresent: number;
  /** Records outside --since/--until. */
  skippedByTime: number;
  /** Records outside the --partition/--from-offset/--to-offset ranges (in batches that straddle a range's end). */
  skippedByOffset: number;
  /** Header values that were null in the backup and were sent empty (kafkajs cannot send null). */
  nullHeaders: number;
  /** Backup objects that could not be restored (missing, corrupt): partial. */
  failedBatches: number;
  /** Partitions stopped by a produce error: the outcome of the last request is unknown; rerun. */
  produceFailures: number;
}

export interface EventRestorerDeps {
  readonly store: ObjectStore;
  /** Only `send` is used (a fake in unit tests). */
  readonly producer: Pick<Producer, 'send'>;
  /** Only `appendBatch` is used: one line per finished batch. */
  readonly journal: Pick<RestoreJournal, 'appendBatch'>;
  readonly throttle: Throttle;
  readonly logger: Logger;
  readonly scope: RestoreScope;
  readonly targetTopicOf: (p: PlannedPartition) => string;
  readonly bounds: ReadonlyMap<string, readonly PartitionBounds[]>;
  readonly restoredUpTo: ReadonlyMap<string, bigint>;
  readonly produceBatchEvents: number;
  /** Bytes per produce request (a partition's record batch must fit the topic's max.message.bytes). */
  readonly produceBatchBytes: number;
  readonly concurrency: number;
  /** Pairs produced step by step: every partition of one step is done before the next step starts. */
  readonly pairOrder: PairOrder;
  readonly onProgress: (files: number, bytes: number) => void;
  readonly onError: (item: string, error: string) => void;
}

/** Whether a batch still has work for this run; the plan's totals use the same rule. */
export function batchNeedsRestore(batch: ManifestEntry, restoredUpTo: bigint): boolean {
  return BigInt(batch.lastOffset) > restoredUpTo;
}

/**
 * A produce request is repeated here only when the repeat cannot write twice: the first attempt
 * never reached the log (e.g. "Producing to topic without metadata" while a fresh target creates
 * the topic, however kafkajs wraps it). Failures after which the request may have landed are
 * retried, if at all, inside kafkajs by the idempotent producer, whose broker-side sequence
 * numbers drop a repeat within the producer session; repeating them here as well would only
 * multiply the waiting when the cluster is gone.
 */
export function mayRetryProduce(error: KafkaErrorClass): boolean {
  return error.kind === 'retriable-before-send';
}

const defaultPartitioner = Partitioners.DefaultPartitioner();

/**
 * Same partition number when the target topic has it; otherwise by key with Kafka's default
 * (murmur2) partitioner, and a null key by original partition modulo the partition count, so the
 * choice is deterministic and a rerun sends a record where the first run did.
 */
export function targetPartition(topic: string, record: BackupRecord, partitions: number): number {
  if (record.partition < partitions) return record.partition;
  if (record.key === null) return record.partition % partitions;
  return defaultPartitioner({
    topic,
    partitionMetadata: Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] })),
    message: { key: record.key, value: null },
  });
}

/**
 * Then events: per original partition, batches in offset order, records produced to the target
 * topic. Exactly once rests on three things: (1) a record is produced only when its original
 * offset is above the highest one the target holds (read from the target before starting) and
 * above every offset already seen in this partition (overlapping objects); (2) each produce
 * request holds records for one target partition and is awaited before the next, so what reached
 * the target is always a prefix of the partition's sequence; (3) a request is repeated only when
 * the repeat cannot write twice: here when it never reached the log (mayRetryProduce), inside
 * kafkajs when the producer is idempotent (the broker drops a repeat within this producer
 * session). Any other failure stops the partition, and the rerun (a new producer session, whose
 * sequence numbers mean nothing to the old one) reads the target's original-offset headers.
 */
export async function restoreEvents(partitions: readonly PlannedPartition[], deps: EventRestorerDeps): Promise<EventRestoreResult> {
  const result: EventRestoreResult = { produced: 0, skippedPresent: 0, skippedByTime: 0, skippedByOffset: 0, nullHeaders: 0, failedBatches: 0, produceFailures: 0 };
  // Per target topic and partition: an offset every record written from now on will be at or above.
  const frontier = new Map<string, bigint[]>();
  for (const [topic, bounds] of deps.bounds) frontier.set(topic, bounds.map((b) => b.high));
  // Steps in the configured pair order (system models before the binary events that depend on
  // them); a step starts when every partition of the one before has finished, whatever its outcome.
  for (const step of orderedSteps(deps.pairOrder, partitions)) {
    const queue = new PQueue({ concurrency: deps.concurrency });
    await Promise.all(step.map((p) => queue.add(() => restorePartition(p, deps, frontier, result))));
  }
  return result;
}

async function restorePartition(
  p: PlannedPartition,
  deps: EventRestorerDeps,
  frontier: Map<string, bigint[]>,
  result: EventRestoreResult,
): Promise<void> {
  const targetTopic = deps.targetTopicOf(p);
  const ends = frontier.get(targetTopic);
  if (!ends || ends.length === 0) throw new Error(`expected target topic ${targetTopic} to have partitions, got none`);
  const restoredUpTo = deps.restoredUpTo.get(partitionId(targetTopic, p.topic, p.partition)) ?? -1n;
  let floor = restoredUpTo;
  const batches = p.batches.filter((b) => batchNeedsRestore(b, restoredUpTo));

  // The next batch is read (GET, sha256, inflate, decode) while this one is produced, so the two
  // overlap instead of taking turns; at most two batches of a partition are in memory. loadBatch
  // never rejects, so a read left behind by an early return cannot go unhandled.
  let next = batches[0] ? loadBatch(deps.store, batches[0]) : undefined;
  for (const [index, batch] of batches.entries()) {
    const loaded = await next!;
    const following = batches[index + 1];
    next = following ? loadBatch(deps.store, following) : undefined;
    if (loaded.kind === 'failed') {
      result.failedBatches += 1;
      deps.onError(batch.key, loaded.error);
      const rest = batches.slice(index + 1);
      if (rest.length > 0) {
        result.failedBatches += rest.length;
        // Continuing past a hole would break the prefix property that resume relies on.
        deps.onError(
          `${p.topic}/${p.partition}`,
          `partition stopped before offset ${batch.firstOffset} because ${batch.key} could not be restored; ${rest.length} later batch(es) not restored: ${rest.map((b) => b.key).join(', ')}`,
        );
      }
      return;
    }

    const line = { from: '', to: '', count: 0, digest: 0n, targets: {} as Record<string, [string, string]> };
    let run: { partition: number; records: BackupRecord[]; messages: Message[]; bytes: number; timestamps: ProduceRequestTimestamps } | undefined;
    // One produce request of the partition in flight at a time, in order; the next one is built
    // while it is (records to messages), and the batch is journaled only once every one was acked.
    let inFlight: Promise<void> | undefined;
    const flush = async () => {
      if (!run || run.messages.length === 0) return;
      const current = run;
      run = undefined;
      await inFlight;
      inFlight = produce(current);
      // Awaited by the next flush or the batch's end; until then a failure must not count as unhandled.
      inFlight.catch(() => {});
    };
    const produce = async (current: NonNullable<typeof run>) => {
      await deps.throttle.take(current.messages.length, current.bytes);
      const metadata = await pRetry(() => deps.producer.send({ topic: targetTopic, acks: -1, messages: current.messages }), {
        retries: 8,
        minTimeout: 100,
        maxTimeout: 2000,
        shouldRetry: ({ error }) => mayRetryProduce(classifyKafkaError(error)),
      });
      const base = BigInt(metadata.find((m) => m.partition === current.partition)?.baseOffset ?? '-1');
      if (base < 0n) throw new Error(`expected the target to acknowledge partition ${current.partition} of ${targetTopic}, got ${JSON.stringify(metadata)}`);
      const last = base + BigInt(current.messages.length - 1);
      const key = String(current.partition);
      line.targets[key] = [line.targets[key]?.[0] ?? base.toString(), last.toString()];
      if (ends[current.partition]! <= last) ends[current.partition] = last + 1n;
      for (const [i, r] of current.records.entries()) {
        if (line.count === 0) line.from = r.offset;
        line.to = r.offset;
        line.count += 1;
        line.digest = addDigest(line.digest, recordDigest(comparableFromBackup(r, current.messages[i])));
      }
      result.produced += current.records.length;
    };

    try {
      for (const record of loaded.records) {
        const offset = BigInt(record.offset);
        if (offset <= floor) {
          result.skippedPresent += 1;
          continue;
        }
        floor = offset;
        if (!inTimeScope(deps.scope, record.timestamp)) {
          result.skippedByTime += 1;
          continue;
        }
        // By original offset, like the time scope: the floor moved past it, so a rerun never
        // produces it either, and the target stays a prefix of the partition's selected records.
        if (!inOffsetScope(deps.scope.offsetRanges ?? [], p.topic, p.partition, offset)) {
          result.skippedByOffset += 1;
          continue;
        }
        const partition = targetPartition(targetTopic, record, ends.length);
        // A new request also where kafkajs would shift timestamps (see produce-request-timestamps.ts),
        // and before the request's record batch outgrows what the broker takes (a record alone
        // always goes: the original topic took it).
        const size = recordSize(record);
        if (
          run &&
          (run.partition !== partition ||
            run.messages.length >= deps.produceBatchEvents ||
            run.bytes + size > deps.produceBatchBytes ||
            !run.timestamps.accepts(record.timestamp))
        ) {
          await flush();
        }
        run ??= { partition, records: [], messages: [], bytes: 0, timestamps: new ProduceRequestTimestamps() };
        run.timestamps.add(record.timestamp);
        const { message, nullHeaders } = toRestoredMessage(record, partition);
        result.nullHeaders += nullHeaders;
        run.records.push(record);
        run.messages.push(message);
        run.bytes += size;
      }
      await flush();
      await inFlight;
    } catch (error) {
      result.produceFailures += 1;
      deps.onError(
        `${p.topic}/${p.partition}`,
        `producing to ${targetTopic} failed at batch ${batch.key} (${classifyKafkaError(error).kind}: ${classifyKafkaError(error).root}); the partition stopped, rerun the restore to continue where the target stands`,
      );
      return;
    }

    if (line.count > 0) {
      await deps.journal.appendBatch({
        key: batch.key,
        topic: p.topic,
        partition: p.partition,
        targetTopic,
        from: line.from,
        to: line.to,
        count: line.count,
        digest: line.digest.toString(16),
        targets: line.targets,
        after: Object.fromEntries(ends.map((end, tp) => [String(tp), end.toString()])),
      });
    }
    deps.onProgress(1, batch.bytes);
  }
}

/** A record's size in a record batch: its bytes plus a generous bound on the per-record and per-header framing. */
export function recordSize(record: BackupRecord): number {
  const headers = record.headers.reduce((n, h) => n + Buffer.byteLength(h.key) + (h.value?.length ?? 0) + 10, 0);
  return (record.key?.length ?? 0) + (record.value?.length ?? 0) + headers + 30;
}

type LoadedBatch = { kind: 'loaded'; records: BackupRecord[] } | { kind: 'failed'; error: string };

/**
 * A batch is read whole and checked against its manifest before any record is produced, so a
 * corrupt object never leaves half a batch in the target. Memory: one batch per partition in
 * flight (bounded by the backup's STREAMVAULT_BATCH_MAX_BYTES).
 */
async function loadBatch(store: ObjectStore, batch: ManifestEntry): Promise<LoadedBatch> {
  let body: Buffer;
  try {
    body = await store.get(batch.key);
  } catch (error) {
    return { kind: 'failed', error: `cannot read backup object ${batch.key}: ${(error as Error).message}` };
  }
  const sha256 = createHash('sha256').update(body).digest('hex');
  if (sha256 !== batch.sha256) {
    return { kind: 'failed', error: `backup object ${batch.key}: expected sha256 ${batch.sha256} (manifest), got ${sha256} (${body.length} bytes)` };
  }
  try {
    const records = await decodeContainer(body);
    if (records.length !== batch.count) {
      return { kind: 'failed', error: `backup object ${batch.key}: expected ${batch.count} records (manifest), got ${records.length}` };
    }
    return { kind: 'loaded', records };
  } catch (error) {
    return { kind: 'failed', error: `backup object ${batch.key}: ${(error as Error).message}` };
  }
}
