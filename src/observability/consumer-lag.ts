import type { Admin } from 'kafkajs';
import pRetry from 'p-retry';
import PQueue from 'p-queue';
import { every, type IntervalLoop } from './interval-loop.js';
import { pairId, type Pair } from '../config/pair.js';

/** The two admin calls lag needs; a fake in unit tests, kafkajs's Admin for real. */
export type OffsetsAdmin = Pick<Admin, 'fetchTopicOffsets' | 'fetchOffsets'>;

export interface PartitionOffsets {
  readonly partition: number;
  /** Oldest retained offset. */
  readonly low: string;
  /** End (high watermark): the offset the next produced event gets. */
  readonly end: string;
  /** The group's committed offset (next to read), or undefined when the group has none. */
  readonly committed: string | undefined;
  /** Events between where the group resumes and the end. */
  readonly lag: number;
}

/** Pairs whose offsets are polled at once. */
const PAIRS_POLLED_AT_ONCE = 8;

export interface PairOffsets {
  readonly pair: Pair;
  /** The groups asked, first one first (the backup group, then the pair's former group). */
  readonly groupIds: readonly string[];
  readonly partitions: readonly PartitionOffsets[];
}

/**
 * End and committed offsets of a pair's topic. Committed offsets come from the broker, not from
 * this process, so lag is right when replicas share the partitions. Each partition's commit is
 * the first of `groupIds` that has one (the backup group, then the pair's group of earlier
 * versions, whose commits the backup takes over: start-offsets.ts); a later group is asked only
 * for partitions the earlier ones have no commit for. Without a commit a group resumes at the
 * oldest retained event (or the end, when it does not read from the beginning); lag counts from there.
 */
export async function fetchPairOffsets(
  admin: OffsetsAdmin,
  pair: Pair,
  groupIds: readonly string[],
  fromBeginning: boolean,
): Promise<PairOffsets> {
  // kafkajs does not retry the offset fetch itself: a coordinator that is still loading or just
  // moved (a new cluster's first group, a broker restart) answers with a retriable error.
  const retried = <T>(work: () => Promise<T>) =>
    pRetry(work, { retries: 5, minTimeout: 200, maxTimeout: 2000, shouldRetry: ({ error }) => (error as { retriable?: unknown }).retriable === true });
  const ends = await retried(() => admin.fetchTopicOffsets(pair.topic));
  const committedByPartition = new Map<number, string>();
  for (const groupId of groupIds) {
    if (ends.every((e) => committedByPartition.has(e.partition))) break;
    for (const topic of await retried(() => admin.fetchOffsets({ groupId, topics: [pair.topic] }))) {
      if (topic.topic !== pair.topic) continue;
      for (const p of topic.partitions) {
        if (BigInt(p.offset) >= 0n && !committedByPartition.has(p.partition)) committedByPartition.set(p.partition, p.offset);
      }
    }
  }
  const partitions = ends
    .map((p) => {
      const committed = committedByPartition.get(p.partition);
      const end = BigInt(p.high);
      const low = BigInt(p.low);
      const resume = committed !== undefined ? max(BigInt(committed), low) : fromBeginning ? low : end;
      return { partition: p.partition, low: p.low, end: p.high, committed, lag: Number(max(end - resume, 0n)) };
    })
    .sort((a, b) => a.partition - b.partition);
  return { pair, groupIds, partitions };
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

export interface LagMonitorDeps {
  readonly admin: OffsetsAdmin;
  readonly pairs: ReadonlyArray<{ pair: Pair; groupIds: readonly string[] }>;
  readonly fromBeginning: boolean;
  /** Milliseconds between polls. */
  readonly intervalMs: number;
  readonly onError: (pair: Pair, error: Error) => void;
}

/** Polls every pair's offsets on an interval and keeps the latest answer for metrics and logs. */
export class LagMonitor {
  readonly #deps: LagMonitorDeps;
  readonly #latest = new Map<string, PairOffsets>();
  #loop: IntervalLoop | undefined;
  #polling: Promise<void> | undefined;

  constructor(deps: LagMonitorDeps) {
    this.#deps = deps;
  }

  start(): void {
    // poll() never rejects: a failing pair goes to onError and keeps its last answer.
    this.#loop ??= every(this.#deps.intervalMs, () => this.poll(), { runAtStart: true, onError: () => {} });
  }

  /** Stops polling; resolves once a poll in flight ended (a client disconnected under it would retry on). */
  async stop(): Promise<void> {
    await this.#loop?.stop();
    await this.#polling;
  }

  /** One poll of every pair, a few at a time; overlapping callers share it. A failing pair keeps its last answer. */
  poll(): Promise<void> {
    const queue = new PQueue({ concurrency: PAIRS_POLLED_AT_ONCE });
    this.#polling ??= Promise.all(
      this.#deps.pairs.map(({ pair, groupIds }) =>
        queue.add(async () => {
          try {
            this.#latest.set(pairId(pair), await fetchPairOffsets(this.#deps.admin, pair, groupIds, this.#deps.fromBeginning));
          } catch (error) {
            this.#deps.onError(pair, error as Error);
          }
        }),
      ),
    ).then(() => {
      this.#polling = undefined;
    });
    return this.#polling;
  }

  /** Latest offsets of every pair polled successfully at least once. */
  snapshot(): PairOffsets[] {
    return [...this.#latest.values()];
  }

  /** Total lag of one pair, or undefined before its first successful poll. */
  lagOf(pair: Pair): number | undefined {
    return this.#latest.get(pairId(pair))?.partitions.reduce((sum, p) => sum + p.lag, 0);
  }
}
