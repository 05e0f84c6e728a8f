// The pipeline's reaction to faults, with a fake copier and a fake clock: permanent failures are
// retried on their schedule and never stop the daemon; a destination outage pauses the pool and is
// no stream failure; 404s are retried within the window and then recorded in the backup; a journal
// that cannot be written fails persist (so the batch is not committed) and readiness.
import { open as fsOpen, rename, rm, type FileHandle } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { JournalFs } from '../../../src/filecache/keyed-journal.js';
import { openStreamFileCache, type StreamFileCache, type StreamRef } from '../../../src/filecache/stream-file-cache.js';
import { createLogger, type Logger } from '../../../src/observability/logger.js';
import { PassThrough } from 'node:stream';
import { ReadinessProblems } from '../../../src/observability/readiness-problems.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { createStreamPipeline, READINESS, type BackupStreamPipeline } from '../../../src/streams/backup-stream-pipeline.js';
import { MissingStreamMarkers } from '../../../src/streams/missing-stream-markers.js';
import type { CopyOutcome } from '../../../src/streams/stream-copier.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { until } from '../../helpers/until.js';

const logger = createLogger('silent');
const sha = (i: number) => i.toString(16).padStart(2, '0').repeat(32);
const ref = (i: number) => ({ source: 'samples', label: 'content', sha256: sha(i), timestamp: 1n });
const MIN = 60_000;

interface Harness {
  pipeline: BackupStreamPipeline;
  cache: StreamFileCache;
  readiness: ReadinessProblems;
  store: MemoryObjectStore;
  calls: string[];
  clock: { ms: number };
}

async function harness(
  behave: (r: StreamRef, call: number) => CopyOutcome | Promise<CopyOutcome>,
  options: { stateDir?: string; clock?: { ms: number }; fs?: JournalFs; windowMs?: number; store?: MemoryObjectStore; logger?: Logger } = {},
): Promise<Harness> {
  const opened = await openStreamFileCache(options.stateDir ?? makeTempDir('pipeline-'), { fs: options.fs });
  if (opened.kind !== 'open') throw new Error(`expected the file cache to open, got ${opened.kind}`);
  const cache = opened.cache;
  const clock = options.clock ?? { ms: Date.parse('2026-06-01T00:00:00Z') };
  const readiness = new ReadinessProblems(() => clock.ms);
  const store = options.store ?? new MemoryObjectStore();
  const calls: string[] = [];
  const pipeline = createStreamPipeline({
    cache,
    copier: { copy: async (r) => behave(r, calls.push(r.sha256)) },
    logger: options.logger ?? logger,
    hitCacheSize: 100,
    concurrency: 1,
    maxQueued: 10,
    maxConsecutiveFailures: 3,
    now: () => new Date(clock.ms),
    readiness,
    markers: new MissingStreamMarkers(store, new KeyLayout('')),
    failedRetry: { minDelayMs: MIN, maxDelayMs: 8 * MIN },
    missingRetryWindowMs: options.windowMs ?? 10 * MIN,
    destinationBackoff: { minDelayMs: 5, maxDelayMs: 20 },
    retryTickMs: 3_600_000, // the test calls retryDue itself
  });
  await pipeline.start();
  return { pipeline, cache, readiness, store, calls, clock };
}

async function idle(h: Harness): Promise<void> {
  await until('the pool to go idle', async () => (h.pipeline.stats.queued === 0 && h.pipeline.stats.running === 0 ? true : undefined), 10_000, 5);
}

async function stop(h: Harness): Promise<void> {
  await h.pipeline.drainHitCache();
  await h.pipeline.drainPool(1000);
  await h.cache.close();
}

describe('stream pipeline: permanent failures', () => {
  it('keeps five bad blobs in the failed list across restarts, retried only when due, with back-off, never stopping', async () => {
    const stateDir = makeTempDir('pipeline-');
    const clock = { ms: Date.parse('2026-06-01T00:00:00Z') };
    const bad = () => ({ kind: 'failed' as const, reason: 'expected sha256 x, got y' });
    let h = await harness(bad, { stateDir, clock });
    let stopped = false;
    void h.pipeline.stopRequested.then(() => (stopped = true));
    await h.pipeline.persist([1, 2, 3, 4, 5].map(ref));
    await idle(h);
    expect(h.calls.length).toBe(5);
    expect(h.cache.failed.values().map((f) => [f.kind, f.attempts, f.nextAt])).toEqual(
      Array(5).fill(['failed', 1, new Date(clock.ms + MIN).toISOString()]),
    );
    expect(h.readiness.has(READINESS.source)).toBe(true);
    await stop(h);
    expect(stopped).toBe(false);

    // A restart does not retry them at once (the old endless exit-5 loop)...
    h = await harness(bad, { stateDir, clock });
    expect(await h.pipeline.retryDue()).toBe(0);
    expect(h.calls).toEqual([]);
    // ...only when due; each failure doubles the wait.
    clock.ms += MIN;
    expect(await h.pipeline.retryDue()).toBe(5);
    await idle(h);
    expect(h.cache.failed.values().map((f) => [f.attempts, f.nextAt])).toEqual(Array(5).fill([2, new Date(clock.ms + 2 * MIN).toISOString()]));
    clock.ms += MIN;
    expect(await h.pipeline.retryDue()).toBe(0);
    clock.ms += MIN;
    expect(await h.pipeline.retryDue()).toBe(5);
    await idle(h);
    expect(h.calls.length).toBe(10);
    expect(h.pipeline.stats.failedOldestAt).toBe(Date.parse('2026-06-01T00:00:00Z'));
    await stop(h);

    // When the source is fixed, the next scheduled retry empties the list.
    h = await harness(() => ({ kind: 'stored', bytes: 1, attempts: 1 }), { stateDir, clock });
    clock.ms += 4 * MIN;
    expect(await h.pipeline.retryDue()).toBe(5);
    await idle(h);
    expect(h.cache.failed.size).toBe(0);
    expect(h.readiness.list()).toEqual([]);
    await stop(h);
  });
});

describe('stream pipeline: missing at the source (404)', () => {
  it('copies a blob that appears at the source after its event, on a scheduled retry', async () => {
    let present = false;
    const h = await harness(() => (present ? { kind: 'stored', bytes: 3, attempts: 1 } : { kind: 'missing', reason: 'GET answered 404' }));
    await h.pipeline.persist([ref(7)]);
    await idle(h);
    expect(h.cache.failed.get(sha(7))).toMatchObject({ kind: 'missing', attempts: 1 });
    present = true;
    h.clock.ms += MIN;
    expect(await h.pipeline.retryDue()).toBe(1);
    await idle(h);
    expect(h.cache.failed.size).toBe(0);
    expect(h.store.objects.size).toBe(0); // no marker written
    await stop(h);
  });

  it('records a stream still missing after the window as a marker in the backup, and stops retrying it', async () => {
    const h = await harness(() => ({ kind: 'missing', reason: 'GET answered 404' }), { windowMs: 2 * MIN });
    await h.pipeline.persist([ref(9)]);
    await idle(h);
    h.clock.ms += MIN;
    await h.pipeline.retryDue();
    await idle(h);
    expect(h.store.objects.size).toBe(0);
    h.clock.ms += 2 * MIN;
    await h.pipeline.retryDue();
    await idle(h);
    const key = new KeyLayout('').streamMissingKey(sha(9));
    expect([...h.store.objects.keys()]).toEqual([key]);
    expect(JSON.parse(h.store.objects.get(key)!.body.toString())).toMatchObject({
      sha256: sha(9),
      source: 'samples',
      label: 'content',
      firstSeen: '2026-06-01T00:00:00.000Z',
      attempts: 3,
    });
    expect(h.cache.failed.get(sha(9))).toMatchObject({ kind: 'missing', markedAt: expect.any(String) });
    expect(h.cache.failed.get(sha(9))?.nextAt).toBeUndefined();
    h.clock.ms += 100 * MIN;
    expect(await h.pipeline.retryDue()).toBe(0);
    expect(h.calls.length).toBe(3);
    await stop(h);
  });
});

describe('stream pipeline: backup bucket unavailable', () => {
  it('pauses and retries with back-off, not counting failures, not ready meanwhile, and resumes by itself', async () => {
    let down = true;
    const h = await harness(() => (down ? { kind: 'destination-unavailable', reason: 'connect ECONNREFUSED' } : { kind: 'stored', bytes: 1, attempts: 1 }));
    await h.pipeline.persist([1, 2, 3, 4].map(ref));
    await until('several attempts against the dead bucket', async () => (h.calls.length >= 6 ? true : undefined), 10_000, 5);
    expect(h.readiness.list()).toEqual([expect.stringContaining('backup-bucket: the backup bucket does not take stream copies: connect ECONNREFUSED')]);
    expect(h.pipeline.stats.failed).toBe(0);
    expect(h.pipeline.stats.consecutiveFailures).toBe(0);
    expect(h.cache.failed.size).toBe(0);
    expect(h.cache.pending.size).toBe(4);
    // Bounded: nothing beyond the four journaled references is held.
    expect(h.pipeline.stats.queued + h.pipeline.stats.running).toBeLessThanOrEqual(4);
    down = false;
    await until('every stream stored once the bucket is back', async () => (h.cache.pending.size === 0 ? true : undefined), 10_000, 5);
    expect(h.readiness.list()).toEqual([]);
    expect(h.pipeline.stats.uploaded).toBe(4);
    await stop(h);
  });
});

describe('stream pipeline: state directory full', () => {
  it('rejects persist (the batch is not committed) with ENOSPC named in /readyz, and recovers when space is back', async () => {
    let full = false;
    const fs: JournalFs = {
      rename,
      rm,
      async open(path: string, flags: string): Promise<FileHandle> {
        const handle = await fsOpen(path, flags);
        if (flags !== 'r+') return handle;
        const write = handle.write.bind(handle) as (b: Buffer, o: number, l: number, p: number) => Promise<{ bytesWritten: number }>;
        (handle as unknown as { write: typeof write }).write = async (b, o, l, p) => {
          if (!full) return write(b, o, l, p);
          await write(b, o, Math.floor(l / 3), p);
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        };
        return handle;
      },
    };
    const h = await harness(() => ({ kind: 'stored', bytes: 1, attempts: 1 }), { fs });
    full = true;
    await expect(h.pipeline.persist([ref(1)])).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(h.readiness.list()).toEqual([expect.stringContaining('state-dir: the state directory is full (ENOSPC)')]);
    expect(h.cache.pending.has(sha(1))).toBe(false);
    full = false;
    await h.pipeline.persist([ref(1)]);
    expect(h.readiness.list()).toEqual([]);
    await idle(h);
    expect(h.calls).toEqual([sha(1)]);
    await stop(h);
  });
});

describe('stream pipeline: logs', () => {
  it('logs source and label as plain fields, not as quoted strings inside strings', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const h = await harness(() => ({ kind: 'failed', reason: 'wrong content' }), { logger: createLogger('info', out) });
    await h.pipeline.persist([ref(1)]);
    await idle(h);
    await stop(h);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const about = lines.filter((l) => l.sha256 === sha(1) && 'source' in l);
    expect(about.length).toBeGreaterThan(0);
    for (const line of about) expect([line.source, line.label]).toEqual(['samples', 'content']);
  });
});

// Per-origin (per-pair) stream counts for the daemon's run summary: each reference counted once,
// by the first outcome of its stream, also when the stream was still being copied for another pair.
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
