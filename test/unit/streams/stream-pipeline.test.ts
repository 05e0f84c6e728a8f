import { describe, expect, it } from 'vitest';
import { manifestOnlyPipeline } from '../../../src/streams/stream-pipeline.js';

describe('manifestOnlyPipeline', () => {
  it('takes every reference at once, has nothing to drain or count, and never asks to stop', async () => {
    const pipeline = manifestOnlyPipeline();
    await pipeline.start();
    await expect(pipeline.persist([{ source: 's', label: 'l', sha256: 'a'.repeat(64), timestamp: 1n }], 'samples/sourced')).resolves.toBeUndefined();
    await pipeline.drainHitCache();
    expect(await pipeline.drainPool(0)).toEqual({ unfinished: 0 });
    expect(pipeline.stats).toBeUndefined();
    expect(pipeline.streamsOf).toBeUndefined();
    const settled = await Promise.race([pipeline.stopRequested.then(() => 'stop requested'), new Promise((resolve) => setTimeout(() => resolve('still running'), 20))]);
    expect(settled).toBe('still running');
  });
});
