import { describe, expect, it } from 'vitest';
import { pairRunSummary, type RunSummaryWorker } from '../../../src/backup/run-summary.js';

const worker = (lastDurableAt: number | undefined): RunSummaryWorker => ({
  pair: { source: 'samples', event: 'sourced', topic: 'samples.sourced' },
  stats: { consumed: 12, backedUp: 10, malformed: 1, rejectedReferences: 0, batches: 2, bytes: 900, lastDurableAt, droppedOnRebalance: 0, droppedAfterFailure: 0 },
  committedOffsets: () => ({ '0': '7', '3': '120' }),
});

describe('pairRunSummary', () => {
  it('sums up a pair: what it backed up, its streams, and where a restore of it ends', () => {
    const streams = { stored: 3, deduped: 1, missing: 0, failed: 1 };
    const asked: string[] = [];
    const summary = pairRunSummary(worker(Date.UTC(2026, 5, 1, 12)), { streamsOf: (origin) => (asked.push(origin), streams) });
    expect(summary).toEqual({
      pair: 'samples/sourced',
      topic: 'samples.sourced',
      eventsBackedUp: 10,
      batches: 2,
      bytes: 900,
      malformed: 1,
      streams,
      recoveryPoint: { committedOffsets: { '0': '7', '3': '120' }, lastDurableBatchAt: '2026-06-01T12:00:00.000Z' },
    });
    expect(asked).toEqual(['samples/sourced']);
  });

  it('says null for streams without a stream source, and for the last batch when none became durable', () => {
    const summary = pairRunSummary(worker(undefined), {});
    expect(summary.streams).toBeNull();
    expect(summary.recoveryPoint.lastDurableBatchAt).toBeNull();
  });
});
