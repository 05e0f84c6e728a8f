/**
 * What the stream pipeline (issue 3, src/streams/create-stream-pipeline.ts `StreamPipelineStats`)
 * reports, as metrics read it. The pipeline exposes a `stats`
 * object; this adapter reads it defensively, by the names below, so metrics work with whichever
 * counters the pipeline has and never break the daemon if a name changes (a missing counter is
 * reported as absent, not as zero).
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

const NAMES: Record<keyof StreamStatsSnapshot, readonly string[]> = {
  uploaded: ['uploaded', 'uploads'],
  deduped: ['deduped', 'dedup', 'alreadyStored', 'skipped'],
  missing: ['missing', 'notFound'],
  failed: ['failed', 'failures', 'uploadFailed'],
  queueDepth: ['queueDepth', 'queued', 'queueSize', 'poolQueueDepth'],
  pending: ['pending', 'pendingCount', 'journalPending', 'fileCachePending'],
  failedJournal: ['failedList', 'failedJournal', 'failedCount', 'journalFailed', 'fileCacheFailed'],
  hitCacheHits: ['hitCacheHits', 'hits'],
  uploadedBytes: ['uploadedBytes'],
  running: ['running', 'inFlight'],
};

/**
 * Reads `source.stats` (an object, or a function returning one) into a snapshot; `undefined` when
 * the pipeline exposes no stats (e.g. the manifest-only pipeline).
 */
export function readStreamStats(source: unknown): StreamStatsSnapshot | undefined {
  if (source === null || typeof source !== 'object' || !('stats' in source)) return undefined;
  let stats: unknown = (source as { stats: unknown }).stats;
  if (typeof stats === 'function') stats = (stats as () => unknown).call(source);
  if (stats === null || typeof stats !== 'object') return undefined;
  const record = stats as Record<string, unknown>;
  const snapshot: Record<string, number> = {};
  for (const [field, candidates] of Object.entries(NAMES)) {
    for (const name of candidates) {
      const value = record[name];
      if (typeof value === 'number' && Number.isFinite(value)) {
        snapshot[field] = value;
        break;
      }
    }
  }
  return snapshot as StreamStatsSnapshot;
}
