import type { ManifestStream } from '../storage/manifest.js';

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

/** Counters of a stream pipeline, for metrics and logs. */
export interface StreamPipelineStats {
  /** References passed to persist (after per-call dedup). */
  readonly referenced: number;
  /** Dropped by the hit cache or because already pending/failed. */
  readonly hitCacheHits: number;
  /** Invalid references refused (never reached a key, URL or path). */
  readonly rejected: number;
  readonly uploaded: number;
  readonly uploadedBytes: number;
  /** Already in the bucket (HEAD found it). */
  readonly deduped: number;
  readonly missing: number;
  readonly failed: number;
  readonly consecutiveFailures: number;
  /** Waiting for a copy slot. */
  readonly queued: number;
  readonly running: number;
  /** Entries in the pending journal (queued, running, or waiting for the next start). */
  readonly pending: number;
  /** Entries in the failed list. */
  readonly failedList: number;
  /** Copies in a row the backup bucket did not take (0 when it takes them). */
  readonly destinationFailures?: number;
  /** The pool waits out a destination outage. */
  readonly destinationPaused?: boolean;
  /** Failed-list entries queued again by the retry schedule. */
  readonly retriedFailed?: number;
  /** streams-missing markers written since start. */
  readonly markedMissing?: number;
  /** Failed-list entries recorded in the backup as unavailable at the source. */
  readonly unavailableAtSource?: number;
  /** Wall-clock ms of the oldest failed-list entry's first failure; undefined when the list is empty. */
  readonly failedOldestAt?: number | undefined;
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
