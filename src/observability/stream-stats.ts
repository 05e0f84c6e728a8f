/**
 * What the stream pipeline reports, as the metrics name it. A field left out is reported as an
 * absent series, not as zero.
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

/** What readStreamStats reads of the stream pipeline; src/streams/stream-pipeline.ts StreamPipeline satisfies it. */
export interface StreamStatsSource {
  /** Absent when there is nothing to count (no stream source configured). */
  readonly stats?: {
    readonly uploaded: number;
    readonly uploadedBytes: number;
    readonly deduped: number;
    readonly missing: number;
    readonly failed: number;
    /** Waiting for a copy slot. */
    readonly queued: number;
    readonly running: number;
    readonly pending: number;
    readonly failedList: number;
    readonly hitCacheHits: number;
    readonly destinationPaused?: boolean;
    readonly retriedFailed?: number;
    readonly unavailableAtSource?: number;
    readonly failedOldestAt?: number | undefined;
  };
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
