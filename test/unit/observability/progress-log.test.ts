import { describe, expect, it, vi } from 'vitest';
import type { PairWorkerStats } from '../../../src/observability/metrics.js';
import { ProgressLog, type ProgressLogWorker } from '../../../src/observability/progress-log.js';
import { capturedLogger } from '../../helpers/captured-logger.js';

function worker(source: string, buffered: Array<{ partition: number; events: number; ageMs: number }>, order: string[]): ProgressLogWorker {
  return {
    pair: { source, event: 'e', topic: `${source}.e` },
    state: 'running',
    stats: { consumed: 12, backedUp: 10, malformed: 1, rejectedReferences: 0, batches: 2, bytes: 900, lastDurableAt: undefined, droppedOnRebalance: 0, droppedAfterFailure: 0 } satisfies PairWorkerStats,
    buffered: () => buffered,
    summarizeMalformed: () => void order.push(`malformed ${source}`),
  };
}

describe('ProgressLog', () => {
  it('logs one line per pair with its counts, lag and unflushed events, each followed by its malformed summary', () => {
    const { lines, logger } = capturedLogger('info');
    const order: string[] = [];
    const workers = [
      worker('samples', [{ partition: 0, events: 3, ageMs: 1_234 }, { partition: 1, events: 2, ageMs: 250 }], order),
      worker('system', [], order),
    ];
    const log = new ProgressLog({ workers, lagOf: (pair) => (pair.source === 'samples' ? 42 : undefined), logger, intervalMs: 60_000 });
    log.logNow();
    expect(lines.map(({ pair, state, backedUpSinceStart, consumedSinceStart, batchesSinceStart, malformedSinceStart, lag, unflushedEvents, oldestUnflushedSeconds, msg }) => ({
      pair, state, backedUpSinceStart, consumedSinceStart, batchesSinceStart, malformedSinceStart, lag, unflushedEvents, oldestUnflushedSeconds, msg,
    }))).toEqual([
      { pair: 'samples/e', state: 'running', backedUpSinceStart: 10, consumedSinceStart: 12, batchesSinceStart: 2, malformedSinceStart: 1, lag: 42, unflushedEvents: 5, oldestUnflushedSeconds: 1.2, msg: 'progress' },
      // Before the first lag poll: null, not 0 (nothing is known yet).
      { pair: 'system/e', state: 'running', backedUpSinceStart: 10, consumedSinceStart: 12, batchesSinceStart: 2, malformedSinceStart: 1, lag: null, unflushedEvents: 0, oldestUnflushedSeconds: 0, msg: 'progress' },
    ]);
    expect(order).toEqual(['malformed samples', 'malformed system']);
  });

  it('logs on its interval once started, one loop however often started, and no more once stopped', async () => {
    vi.useFakeTimers();
    try {
      const { lines, logger } = capturedLogger('info');
      const log = new ProgressLog({ workers: [worker('samples', [], [])], lagOf: () => 0, logger, intervalMs: 1_000 });
      log.start();
      log.start();
      await vi.advanceTimersByTimeAsync(999);
      expect(lines).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(2_001);
      expect(lines).toHaveLength(3);
      log.stop();
      await vi.advanceTimersByTimeAsync(5_000);
      expect(lines).toHaveLength(3);
    } finally {
      vi.useRealTimers();
    }
  });
});
