// Per-origin (per-pair) stream counts for the daemon's run summary: each reference counted once,
// by the first outcome of its stream, also when the stream was still being copied for another pair.
import { describe, expect, it } from 'vitest';
import { openStreamFileCache } from '../../../src/filecache/stream-file-cache.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createStreamPipeline } from '../../../src/streams/backup-stream-pipeline.js';
import type { CopyOutcome } from '../../../src/streams/stream-copier.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { until } from '../../helpers/until.js';

const sha = (i: number) => i.toString(16).padStart(2, '0').repeat(32);
const ref = (i: number) => ({ source: 'samples', label: 'content', sha256: sha(i), timestamp: 1n });

describe('stream pipeline: counts per origin', () => {
  it('counts the first outcome of each stream for every origin that referenced it', async () => {
    const opened = await openStreamFileCache(makeTempDir('pipeline-'));
    if (opened.kind !== 'open') throw new Error(`expected the file cache to open, got ${opened.kind}`);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const outcomes: Record<string, CopyOutcome> = {
      [sha(1)]: { kind: 'stored', bytes: 10, attempts: 1 },
      [sha(2)]: { kind: 'deduped' },
      [sha(3)]: { kind: 'missing', reason: '404' },
      [sha(4)]: { kind: 'failed', reason: 'sha256 mismatch' },
    };
    const pipeline = createStreamPipeline({
      cache: opened.cache,
      copier: {
        copy: async (r) => {
          if (r.sha256 === sha(1)) await gate; // still copying when pair b references it
          return outcomes[r.sha256]!;
        },
      },
      logger: createLogger('silent'),
      hitCacheSize: 100,
      concurrency: 4,
      maxQueued: 10,
      maxConsecutiveFailures: 3,
      now: () => new Date(),
      failedRetry: { minDelayMs: 60_000, maxDelayMs: 60_000 },
      missingRetryWindowMs: 600_000,
      destinationBackoff: { minDelayMs: 5, maxDelayMs: 20 },
      retryTickMs: 3_600_000,
    });
    await pipeline.start();
    await pipeline.persist([ref(1), ref(2), ref(3), ref(4)], 'a');
    // An outcome is counted once the journals hold it: only 1 is left pending, 3 and 4 are in the failed list.
    const journaled = (pending: number) => async () => (opened.cache.pending.size === pending && opened.cache.failed.size === 2 ? true : undefined);
    await until('2, 3 and 4 recorded', journaled(1), 5000, 5);
    // b: 1 is still being copied (its outcome counts for b too), 2 is stored (deduped), 4 is in the failed list.
    await pipeline.persist([ref(1), ref(2), ref(4)], 'b');
    release();
    await until('1 recorded', journaled(0), 5000, 5);
    // c after everything: 1 is stored by now.
    await pipeline.persist([ref(1)], 'c');
    expect(pipeline.streamsOf('a')).toEqual({ stored: 1, deduped: 1, missing: 1, failed: 1 });
    expect(pipeline.streamsOf('b')).toEqual({ stored: 1, deduped: 1, missing: 0, failed: 1 });
    expect(pipeline.streamsOf('c')).toEqual({ stored: 0, deduped: 1, missing: 0, failed: 0 });
    expect(pipeline.streamsOf('never')).toEqual({ stored: 0, deduped: 0, missing: 0, failed: 0 });
    await pipeline.drainHitCache();
    await pipeline.drainPool(1000);
    await opened.cache.close();
  });
});
