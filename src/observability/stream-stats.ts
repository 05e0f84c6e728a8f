/**
 * What the stream pipeline reports, as the metrics name it. A gauge's field left out is an absent
 * series, not zero (metrics.ts, OptionalGauge); a counter without a value stays at 0.
 */
export interface StreamStatsSnapshot {
  /** Blobs uploaded to S3 since start. */
  readonly uploaded?: number;
  /** References found already stored (content-addressed dedup). */
  readonly deduped?: number;
  /** References the source did not have (404). */
  readonly missing?: number;
  /** Uploads that failed for good (moved to the failed journal). */
  readonly failed?: number;
  /** Uploads waiting in the pool's queue. */
  readonly queueDepth?: number;
  /** Entries in the file cache's pending journal. */
  readonly pending?: number;
  /**
   * Entries in the failed list (the file cache's failed journal): `failedList` in the pipeline's
   * stats too; the metric keeps its name, streamvault_filecache_failed.
   */
  readonly failedList?: number;
  /** References dropped by the in-memory hit cache (seen recently). */
  readonly hitCacheHits?: number;
  readonly uploadedBytes?: number;
  /** Copies in progress. */
  readonly running?: number;
  /** Failed-list entries queued again by their retry schedule. */
  readonly retriedFailed?: number;
  /** Failed-list entries recorded in the backup as unavailable at the source. */
  readonly unavailableAtSource?: number;
  /** Wall-clock ms of the oldest failed-list entry's first failure (absent when none). */
  readonly failedOldestAt?: number;
  /** 1 while the pool waits out a backup bucket that does not take copies. */
  readonly destinationPaused?: number;
}

/** Counters of a stream pipeline (src/streams/backup-stream-pipeline.ts keeps them), for metrics and logs. */
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

/** What readStreamStats reads of the stream pipeline; src/streams/stream-pipeline.ts StreamPipeline satisfies it. */
export interface StreamStatsSource {
  /** Absent when there is nothing to count (no stream source configured). */
  readonly stats?: StreamPipelineStats;
}

/** The pipeline's counters under the names the metrics use; `undefined` without a stream source. */
export function readStreamStats(pipeline: StreamStatsSource): StreamStatsSnapshot | undefined {
  const s = pipeline.stats;
  if (!s) return undefined;
  return {
    uploaded: s.uploaded,
    deduped: s.deduped,
    missing: s.missing,
    failed: s.failed,
    queueDepth: s.queued,
    pending: s.pending,
    failedList: s.failedList,
    hitCacheHits: s.hitCacheHits,
    uploadedBytes: s.uploadedBytes,
    running: s.running,
    retriedFailed: s.retriedFailed,
    unavailableAtSource: s.unavailableAtSource,
    failedOldestAt: s.failedOldestAt,
    destinationPaused: s.destinationPaused === undefined ? undefined : s.destinationPaused ? 1 : 0,
  };
}
