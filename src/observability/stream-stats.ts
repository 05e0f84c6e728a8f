import type { StreamPipeline } from '../backup/stream-pipeline.js';

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
  /** Entries in the file cache's failed journal. */
  readonly failedJournal?: number;
  /** References dropped by the in-memory hit cache (seen recently). */
  readonly hitCacheHits?: number;
  readonly uploadedBytes?: number;
  /** Copies in progress. */
  readonly running?: number;
}

/** The pipeline's counters under the names the metrics use; `undefined` without a stream source. */
export function readStreamStats(pipeline: Pick<StreamPipeline, 'stats'>): StreamStatsSnapshot | undefined {
  const s = pipeline.stats;
  if (!s) return undefined;
  return {
    uploaded: s.uploaded,
    deduped: s.deduped,
    missing: s.missing,
    failed: s.failed,
    queueDepth: s.queued,
    pending: s.pending,
    failedJournal: s.failedList,
    hitCacheHits: s.hitCacheHits,
    uploadedBytes: s.uploadedBytes,
    running: s.running,
  };
}
