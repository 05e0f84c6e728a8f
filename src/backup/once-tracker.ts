import kafkajs from 'kafkajs';
import pRetry from 'p-retry';
import { causeChain, classifyKafkaError } from '../errors/kafka-error-class.js';
import { pairId, type Pair } from '../config/pair.js';
import { fetchPairOffsets, type OffsetsAdmin } from '../observability/consumer-lag.js';
import type { BackupRecord } from '../events/backup-record.js';
import type { ManifestEntry } from '../storage/manifest.js';
import type { PairWorkerObserver } from './pair-worker.js';

/** One partition's share of a `backup --once` run: from where the group resumes to the end recorded at start. */
export interface OncePartition {
  readonly pair: Pair;
  readonly partition: number;
  readonly start: bigint;
  /** End offset recorded at start: the run is done with the partition once it is committed here. */
  readonly end: bigint;
}

export interface OnceProgress {
  advance(files: number, bytes: number): void;
}

export type OnceResult =
  | { kind: 'complete'; events: number }
  | { kind: 'incomplete'; events: number; partitions: ReadonlyArray<{ pair: string; partition: number; committed: string; end: string }> };

interface PartitionState {
  readonly plan: OncePartition;
  /** Next offset to consume (last consumed + 1). */
  consumed: bigint;
  /** Offset up to which everything is durable or needs no backup (markers, compacted gaps), within the plan. */
  durable: bigint;
  committed: bigint;
  /** Records of the plan this process made durable (fewer than its offsets where compaction or markers left gaps). */
  records: number;
}

/**
 * Tracks `streamvault backup --once`: the end offsets are recorded at start, and the run ends
 * when every partition is consumed up to them (the ordered shutdown then writes and commits the
 * last batches), not at whatever the topic holds by then. Events produced after the start are
 * not waited for; those already fetched are backed up too, which is harmless.
 *
 * Two measures: progress (`total`, the reporter's files) counts offsets, the only size known
 * before reading; `done` counts the records backed up. They differ where offsets hold no record
 * to back up: compacted away, transaction markers, aborted records.
 */
export class OnceTracker {
  readonly #states = new Map<string, PartitionState>();
  readonly #onAllConsumed: () => void;
  #progress: OnceProgress | undefined;
  #signalled = false;
  readonly total: number;

  constructor(partitions: readonly OncePartition[], onAllConsumed: () => void) {
    this.#onAllConsumed = onAllConsumed;
    let total = 0n;
    for (const plan of partitions) {
      this.#states.set(slot(plan.pair, plan.partition), { plan, consumed: plan.start, durable: plan.start, committed: plan.start, records: 0 });
      if (plan.end > plan.start) total += plan.end - plan.start;
    }
    this.total = Number(total);
  }

  /** Records every pair's end offsets and where its group resumes, from the broker. */
  static async plan(
    admin: OffsetsAdmin,
    pairs: ReadonlyArray<{ pair: Pair; groupIds: readonly string[] }>,
    fromBeginning: boolean,
  ): Promise<OncePartition[]> {
    const all = await Promise.all(pairs.map(({ pair, groupIds }) => fetchWithRetries(() => fetchPairOffsets(admin, pair, groupIds, fromBeginning))));
    return all.flatMap((offsets) =>
      offsets.partitions.map((p) => {
        const end = BigInt(p.end);
        return { pair: offsets.pair, partition: p.partition, start: end - BigInt(p.lag), end };
      }),
    );
  }

  /** Reports offsets made durable or passed to `progress` (files = offsets, bytes = bytes written). */
  attach(progress: OnceProgress): void {
    this.#progress = progress;
  }

  /** Checks at once: a run with nothing to do ends immediately. */
  begin(): void {
    this.#check();
  }

  /** Records of the plan backed up by this process. */
  get done(): number {
    let done = 0;
    for (const s of this.#states.values()) done += s.records;
    return done;
  }

  readonly observer: PairWorkerObserver = {
    onConsumed: (pair, _count, where) => {
      const s = this.#states.get(slot(pair, where.partition));
      if (!s) return;
      const next = BigInt(where.lastOffset) + 1n;
      if (next > s.consumed) s.consumed = next;
      this.#check();
    },
    onBatchDurable: (pair, entry: ManifestEntry, records: readonly BackupRecord[]) => {
      const s = this.#states.get(slot(pair, entry.partition));
      if (!s) return;
      // The batch's records inside the plan and not counted yet (a replay may overlap what was).
      const added = records.filter((r) => {
        const offset = BigInt(r.offset);
        return offset >= s.durable && offset < s.plan.end;
      }).length;
      s.records += added;
      // Bytes in proportion to the records inside the plan.
      this.#advance(s, min(BigInt(entry.lastOffset) + 1n, s.plan.end), Math.round((entry.bytes * added) / entry.count));
    },
    onCommitted: (pair, partition, offset) => {
      const s = this.#states.get(slot(pair, partition));
      if (!s) return;
      const committed = BigInt(offset);
      if (committed > s.committed) s.committed = committed;
      if (committed > s.consumed) s.consumed = committed;
      // Everything below a commit is durable or had nothing to back up (markers, compacted gaps).
      this.#advance(s, min(committed, s.plan.end), 0);
      this.#check();
    },
  };

  #advance(s: PartitionState, upTo: bigint, bytes: number): void {
    if (upTo <= s.durable) return;
    const offsets = upTo - s.durable;
    s.durable = upTo;
    this.#progress?.advance(Number(offsets), bytes);
  }

  /** Partitions another replica owns are seen through the group's committed offsets. */
  async refreshFromBroker(admin: OffsetsAdmin, pairs: ReadonlyArray<{ pair: Pair; groupIds: readonly string[] }>, fromBeginning: boolean): Promise<void> {
    for (const { pair, groupIds } of pairs) {
      const offsets = await fetchPairOffsets(admin, pair, groupIds, fromBeginning);
      for (const p of offsets.partitions) {
        if (p.committed !== undefined) this.observer.onCommitted?.(pair, p.partition, p.committed);
      }
    }
  }

  result(): OnceResult {
    const behind = [...this.#states.values()]
      .filter((s) => s.committed < s.plan.end)
      .map((s) => ({ pair: pairId(s.plan.pair), partition: s.plan.partition, committed: s.committed.toString(), end: s.plan.end.toString() }));
    return behind.length === 0 ? { kind: 'complete', events: this.done } : { kind: 'incomplete', events: this.done, partitions: behind };
  }

  #check(): void {
    if (this.#signalled) return;
    for (const s of this.#states.values()) if (s.consumed < s.plan.end) return;
    this.#signalled = true;
    this.#onAllConsumed();
  }
}

/**
 * kafkajs's fetchTopicOffsets fails now and then while metadata is settling (it destructures the
 * answer of a broker it had no partitions for: "Cannot destructure property 'partitions' of
 * 'high.pop(...)'", a TypeError p-retry would not retry as such); the lookup is read-only, so retry.
 * Not when kafkajs already spent its own retries (a broker that does not answer) or the brokers
 * refuse the credentials: that would only multiply the wait.
 */
async function fetchWithRetries<T>(lookup: () => Promise<T>): Promise<T> {
  return pRetry(
    async () => {
      try {
        return await lookup();
      } catch (error) {
        throw new Error(`could not read the end offsets: ${(error as Error).message}`, { cause: error });
      }
    },
    {
      retries: 5,
      minTimeout: 200,
      maxTimeout: 3000,
      shouldRetry: ({ error }) =>
        classifyKafkaError(error).kind !== 'auth' && !causeChain(error).some((e) => e instanceof kafkajs.KafkaJSNumberOfRetriesExceeded),
    },
  );
}

function slot(pair: Pair, partition: number): string {
  return `${pairId(pair)}#${partition}`;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
