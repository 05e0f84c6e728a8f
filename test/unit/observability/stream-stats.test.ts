import { describe, expect, it } from 'vitest';
import { readStreamStats, type StreamPipelineStats } from '../../../src/observability/stream-stats.js';

const stats: StreamPipelineStats = {
  referenced: 20,
  hitCacheHits: 7,
  rejected: 1,
  uploaded: 3,
  uploadedBytes: 300,
  deduped: 2,
  missing: 1,
  failed: 0,
  consecutiveFailures: 0,
  queued: 4,
  running: 1,
  pending: 5,
  failedList: 1,
};

describe('readStreamStats', () => {
  it('reports no stream metrics for a pipeline without stats', () => {
    expect(readStreamStats({})).toBeUndefined();
  });

  it('renames the pipeline counters as the metrics name them; what the pipeline did not say stays absent', () => {
    expect(readStreamStats({ stats })).toEqual({
      uploaded: 3,
      deduped: 2,
      missing: 1,
      failed: 0,
      queueDepth: 4,
      pending: 5,
      failedList: 1,
      hitCacheHits: 7,
      uploadedBytes: 300,
      running: 1,
      retriedFailed: undefined,
      unavailableAtSource: undefined,
      failedOldestAt: undefined,
      destinationPaused: undefined,
    });
  });

  it('reports a paused destination as 1 and a running one as 0', () => {
    expect(readStreamStats({ stats: { ...stats, destinationPaused: true } })!.destinationPaused).toBe(1);
    expect(readStreamStats({ stats: { ...stats, destinationPaused: false } })!.destinationPaused).toBe(0);
  });
});
