import type { ManifestStream } from '../storage/manifest.js';
import type { StreamPipelineStats } from '../observability/stream-stats.js';

export type { StreamPipelineStats };

/**
 * Where a batch's stream references go before its offsets may be committed. `persist` resolves
 * once every reference is durable: stored, found already stored, or written to the pending
 * journal in the file cache. It rejects when that cannot be guaranteed; the batch is then not
 * committed and will be re-read.
 */
export interface StreamSink {
  /** `origin` names who referenced the streams (the pair id), for `streamsOf`. */
  persist(streams: readonly ManifestStream[], origin?: string): Promise<void>;
}

/**
 * What became of the streams one origin (a pair) referenced in this run, each reference counted
 * once, by its first outcome: copied, found stored already (in the bucket, or handled by this run
 * for an earlier reference), missing at the source, or failed (in the failed list, retried on
 * schedule). References still pending at shutdown are in none of them.
 */
export interface OriginStreamStats {
  readonly stored: number;
  readonly deduped: number;
  readonly missing: number;
  readonly failed: number;
}

/**
 * The stream side of the daemon as the shutdown sequence sees it. The events side calls
 * `persist` (via StreamSink) for each batch; shutdown then drains in order.
 */
export interface StreamPipeline extends StreamSink {
  /** Replays what the file cache holds from a previous run. */
  start(): Promise<void>;
  /** Phase 2: references still in the hit cache's hand-off go to the pool. */
  drainHitCache(): Promise<void>;
  /** Phase 3: the pool finishes within `graceMs`; what is unfinished stays journaled. */
  drainPool(graceMs: number): Promise<{ unfinished: number }>;
  /**
   * Resolves with a reason when the pipeline can make nothing more durable (its journal in the
   * state directory is broken): the daemon stops with the state-directory exit code.
   */
  readonly stopRequested: Promise<string>;
  /** Absent when there is nothing to count (no stream source configured). */
  readonly stats?: StreamPipelineStats;
  /**
   * The backup bucket took a write elsewhere (the S3 write probe recovered after failing): a pool
   * waiting out a destination back-off tries again now rather than at the end of its pause.
   */
  destinationWritable?(): void;
  /** The outcomes of the streams `origin` referenced; absent without a stream source. */
  streamsOf?(origin: string): OriginStreamStats;
}

/** No stream source configured: references are kept in manifests only. */
export function manifestOnlyPipeline(): StreamPipeline {
  return {
    persist: async () => {},
    start: async () => {},
    drainHitCache: async () => {},
    drainPool: async () => ({ unfinished: 0 }),
    stopRequested: new Promise<string>(() => {}),
  };
}
