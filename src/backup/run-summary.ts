import { pairId, type Pair } from '../config/pair.js';
import type { PairWorkerStats } from '../observability/metrics.js';
import type { OriginStreamStats, StreamPipeline } from '../streams/stream-pipeline.js';

/** What the run summary reads of a pair worker. */
export interface RunSummaryWorker {
  readonly pair: Pair;
  readonly stats: Readonly<PairWorkerStats>;
  committedOffsets(): Record<string, string>;
}

/** The fields of one pair's `run summary` line, logged once at shutdown. */
export interface PairRunSummary {
  readonly pair: string;
  readonly topic: string;
  readonly eventsBackedUp: number;
  readonly batches: number;
  readonly bytes: number;
  readonly malformed: number;
  /** The first outcome of each stream the pair referenced; null without a stream source. */
  readonly streams: OriginStreamStats | null;
  /**
   * Where a restore of this backup ends for the pair: the next offset to read per partition as
   * committed by this run (every offset below is in the backup), and when the last batch became
   * durable (ISO 8601 UTC; null when no batch did).
   */
  readonly recoveryPoint: { readonly committedOffsets: Record<string, string>; readonly lastDurableBatchAt: string | null };
}

export function pairRunSummary(worker: RunSummaryWorker, streams: Pick<StreamPipeline, 'streamsOf'>): PairRunSummary {
  const { stats, pair } = worker;
  return {
    pair: pairId(pair),
    topic: pair.topic,
    eventsBackedUp: stats.backedUp,
    batches: stats.batches,
    bytes: stats.bytes,
    malformed: stats.malformed,
    streams: streams.streamsOf?.(pairId(pair)) ?? null,
    recoveryPoint: {
      committedOffsets: worker.committedOffsets(),
      lastDurableBatchAt: stats.lastDurableAt === undefined ? null : new Date(stats.lastDurableAt).toISOString(),
    },
  };
}
