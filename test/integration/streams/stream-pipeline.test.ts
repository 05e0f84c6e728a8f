// The stream pipeline in-process against the real parts: the HTTP stream server imitating the
// platform, and s3rver. Assertions are on the bucket's objects and their sha256, and on what the
// source was asked, not only on counters.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStreamFileCache, FAILED_FILE, PENDING_FILE, type StreamFileCache } from '../../../src/filecache/stream-file-cache.js';
import { createLogger } from '../../../src/observability/logger.js';
import { ReadinessProblems } from '../../../src/observability/readiness-problems.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import type { ManifestStream } from '../../../src/storage/manifest.js';
import { S3ObjectStore } from '../../../src/storage/s3-object-store.js';
import { createStreamPipeline, type BackupStreamPipeline } from '../../../src/streams/backup-stream-pipeline.js';
import { HttpStreamSource } from '../../../src/streams/http-stream-source.js';
import { StreamCopier } from '../../../src/streams/stream-copier.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { uniqueName } from '../../helpers/names.js';
import { createBucket, s3ClientFor } from '../../helpers/s3-server.js';
import { sharedS3Endpoint } from '../../helpers/shared-servers.js';
import { startStreamServer, type StreamServer } from '../../helpers/stream-server.js';
import { startFaultProxy, upstreamOf } from '../../helpers/fault-proxy.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { until } from '../../helpers/until.js';

const TEMPLATE = '{base}/api/v3/stream/{source}/{label}/{sha256}';
const logger = createLogger('silent');
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

interface Fixture {
  server: StreamServer;
  store: S3ObjectStore;
  layout: KeyLayout;
  stateDir: string;
  cache: StreamFileCache;
  pipeline: BackupStreamPipeline;
}

interface FixtureOptions {
  concurrency?: number;
  maxQueued?: number;
  retries?: number;
  maxConsecutiveFailures?: number;
  server?: StreamServer;
  stateDir?: string;
  bucket?: string;
  now?: () => Date;
  readiness?: ReadinessProblems;
  /** S3 endpoint of the backup bucket (default the shared s3rver); a fault proxy in front of it. */
  endpoint?: string;
}

async function fixture(options: FixtureOptions = {}): Promise<Fixture> {
  const server = options.server ?? withCleanup(await startStreamServer());
  const bucket = options.bucket ?? uniqueName('streams');
  if (!options.bucket) await createBucket(s3ClientFor(sharedS3Endpoint()), bucket);
  const store = new S3ObjectStore(s3ClientFor(options.endpoint ?? sharedS3Endpoint(), { maxAttempts: 2 }), bucket);
  const layout = new KeyLayout('backup/');
  const stateDir = options.stateDir ?? makeTempDir('state-');
  const opened = await openStreamFileCache(stateDir);
  if (opened.kind !== 'open') throw new Error(`expected the file cache to open, got ${opened.kind}: ${opened.message}`);
  const cache = withCleanup({ ...opened.cache, stop: () => opened.cache.close() });
  const copier = new StreamCopier({
    store,
    layout,
    logger,
    source: new HttpStreamSource({ baseUrl: server.baseUrl, urlTemplate: TEMPLATE, token: '' }),
    retries: options.retries ?? 3,
    minRetryDelayMs: 10,
    idleTimeoutMs: 10_000,
  });
  const pipeline = createStreamPipeline({
    cache,
    copier,
    logger,
    hitCacheSize: 1000,
    concurrency: options.concurrency ?? 4,
    maxQueued: options.maxQueued ?? 100,
    maxConsecutiveFailures: options.maxConsecutiveFailures ?? 5,
    now: options.now ?? (() => new Date()),
    readiness: options.readiness,
    failedRetry: { minDelayMs: 60_000, maxDelayMs: 600_000 },
    missingRetryWindowMs: 3_600_000,
    destinationBackoff: { minDelayMs: 10, maxDelayMs: 100 },
  });
  await pipeline.start();
  return { server, store, layout, stateDir, cache, pipeline };
}

function refs(...items: Array<[source: string, label: string, sha: string]>): ManifestStream[] {
  return items.map(([source, label, sha]) => ({ source, label, sha256: sha, timestamp: 1n }));
}

async function drain(pipeline: BackupStreamPipeline, graceMs = 30_000): Promise<{ unfinished: number }> {
  await pipeline.drainHitCache();
  return pipeline.drainPool(graceMs);
}

async function storedHash(f: Fixture, sha: string): Promise<string | undefined> {
  const key = f.layout.streamKey(sha);
  if (!(await f.store.head(key))) return undefined;
  return sha256(await f.store.get(key));
}

async function allKeys(store: S3ObjectStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list('')) keys.push(o.key);
  return keys;
}

const gets = (server: StreamServer, sha: string) => server.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/${sha}`)).length;

describe('stream pipeline with the HTTP source and S3', () => {
  it('stores every referenced blob once under its sha256, deduplicating through the hit cache', async () => {
    const f = await fixture();
    const blobs = Array.from({ length: 6 }, (_, i) => Buffer.from(`blob number ${i} `.repeat(100 + i)));
    const shas = blobs.map((b) => f.server.put('samples', 'content', b));
    await f.pipeline.persist(refs(...shas.map((s) => ['samples', 'content', s] as [string, string, string])));
    // The same blobs referenced again by later batches, under another label too.
    await f.pipeline.persist(refs(['samples', 'content', shas[0]!], ['samples', 'other', shas[1]!]));
    await f.pipeline.persist(refs(['samples', 'content', shas[0]!]));
    expect(await drain(f.pipeline)).toEqual({ unfinished: 0 });

    for (const [i, sha] of shas.entries()) {
      expect(await storedHash(f, sha)).toBe(sha);
      expect(gets(f.server, sha), `GETs of blob ${i}`).toBe(1);
    }
    expect(f.pipeline.stats.uploaded).toBe(6);
    expect(f.pipeline.stats.hitCacheHits).toBe(3);
    expect(f.cache.pending.size).toBe(0);
    expect(readFileSync(join(f.stateDir, PENDING_FILE), 'utf8')).not.toContain('"put"\n');
  });

  it('skips a blob already in the bucket (dedup across restarts and replicas) without fetching it', async () => {
    const f = await fixture();
    const content = Buffer.from('already backed up by another replica');
    const sha = f.server.put('samples', 'content', content);
    await f.store.put(f.layout.streamKey(sha), content, { metadata: { sha256: sha } });
    await f.pipeline.persist(refs(['samples', 'content', sha]));
    await drain(f.pipeline);
    expect(gets(f.server, sha)).toBe(0);
    expect(f.pipeline.stats.deduped).toBe(1);
    expect(await storedHash(f, sha)).toBe(sha);
  });

  it('copies over an object at the stream key that lacks its sha256 metadata (a write still in progress or cut short on a non-atomic S3)', async () => {
    const f = await fixture();
    const content = Buffer.from('the whole blob, which a killed replica only half wrote '.repeat(20));
    const sha = f.server.put('samples', 'content', content);
    // What s3rver shows for a PUT whose writer died: the first bytes, no metadata, HEAD 200.
    await f.store.put(f.layout.streamKey(sha), content.subarray(0, 100));
    await f.pipeline.persist(refs(['samples', 'content', sha]));
    await drain(f.pipeline);
    expect(gets(f.server, sha)).toBe(1);
    expect(await storedHash(f, sha)).toBe(sha);
    expect((await f.store.head(f.layout.streamKey(sha)))?.metadata.sha256).toBe(sha);
  });

  it('records a 404 as missing in the failed list, asking only once', async () => {
    const f = await fixture();
    const sha = 'ab'.repeat(32);
    await f.pipeline.persist(refs(['samples', 'content', sha]));
    await drain(f.pipeline);
    expect(gets(f.server, sha)).toBe(1);
    expect(f.cache.failed.get(sha)).toMatchObject({ source: 'samples', label: 'content', sha256: sha, kind: 'missing' });
    expect(f.cache.pending.size).toBe(0);
    expect(await storedHash(f, sha)).toBeUndefined();
    expect(f.pipeline.stats.consecutiveFailures).toBe(0);
  });

  it('retries 5xx answers with backoff and then stores the right content', async () => {
    const f = await fixture({ retries: 3 });
    const content = Buffer.from('flaky source');
    const sha = f.server.put('samples', 'content', content);
    f.server.failNext(`/api/v3/stream/samples/content/${sha}`, 2, 503);
    await f.pipeline.persist(refs(['samples', 'content', sha]));
    await drain(f.pipeline);
    expect(gets(f.server, sha)).toBe(3);
    expect(await storedHash(f, sha)).toBe(sha);
    expect(f.cache.failed.size).toBe(0);
  });

  it.each([
    ['small (one PutObject)', 1000],
    ['large (multipart)', 20 * 1024 * 1024],
  ])('never stores %s content that does not match its sha256, and does not retry it', async (_name, size) => {
    const f = await fixture();
    const claimed = sha256(Buffer.from('what the event says'));
    f.server.putWithWrongContent('samples', 'content', claimed, Buffer.alloc(size, 7));
    await f.pipeline.persist(refs(['samples', 'content', claimed]));
    await drain(f.pipeline);
    expect(await f.store.head(f.layout.streamKey(claimed))).toBeUndefined();
    expect((await allKeys(f.store)).filter((k) => k.includes('streams'))).toEqual([]);
    expect(gets(f.server, claimed)).toBe(1);
    const failed = f.cache.failed.get(claimed);
    expect(failed?.kind).toBe('failed');
    expect(failed?.reason).toContain(`expected ${claimed}, got ${sha256(Buffer.alloc(size, 7))}`);
  });

  it('refuses hostile references before any request, key or journal line, and encodes odd but safe names', async () => {
    const f = await fixture();
    const hex63 = 'a'.repeat(63);
    const good = Buffer.from('content of an oddly named source');
    const sha = f.server.put('%2e%2e', 'la bel', good);
    await f.pipeline.persist([
      ...refs(
        ['samples', 'content', '../../etc/passwd'],
        ['samples', 'content', hex63],
        ['samples', 'content', `${'b'.repeat(63)}\u0000`],
        ['..', 'content', 'c'.repeat(64)],
        ['samples', '../../../etc', 'd'.repeat(64)],
        ['samples', 'a/b', 'e'.repeat(64)],
        ['sam\u0000ples', 'content', 'f'.repeat(64)],
      ),
      ...refs(['%2e%2e', 'la bel', sha]),
    ]);
    await drain(f.pipeline);
    expect(f.pipeline.stats.rejected).toBe(7);
    expect(f.server.requests.map((r) => r.path)).toEqual([`/api/v3/stream/%252e%252e/la%20bel/${sha}`]);
    expect(await allKeys(f.store)).toEqual([f.layout.streamKey(sha)]);
    expect(await storedHash(f, sha)).toBe(sha);
    const journals = readFileSync(join(f.stateDir, PENDING_FILE), 'utf8') + readFileSync(join(f.stateDir, FAILED_FILE), 'utf8');
    for (const hostile of ['passwd', hex63, 'c'.repeat(64), 'd'.repeat(64), 'e'.repeat(64), 'f'.repeat(64), '\\u0000']) {
      expect(journals).not.toContain(hostile);
    }
  });

  it('journals before it waits: with the queue full, persist holds back (backpressure) yet the reference is durable', async () => {
    const f = await fixture({ concurrency: 1, maxQueued: 2 });
    // Each GET takes a second, far longer than the 150 ms the test watches the fourth persist for,
    // so a slow fsync on a busy machine cannot free a slot early.
    f.server.setLatency(1000);
    const shas = Array.from({ length: 6 }, (_, i) => f.server.put('samples', 'content', Buffer.from(`slow ${i}`)));
    let maxQueued = 0;
    const sampler = setInterval(() => (maxQueued = Math.max(maxQueued, f.pipeline.stats.queued)), 5);
    try {
      // One running, two waiting: the fourth persist must wait for room.
      for (const sha of shas.slice(0, 3)) await f.pipeline.persist(refs(['samples', 'content', sha]));
      let resolved = false;
      const fourth = f.pipeline.persist(refs(['samples', 'content', shas[3]!])).then(() => (resolved = true));
      await new Promise((r) => setTimeout(r, 150));
      expect(resolved).toBe(false);
      expect(f.cache.pending.has(shas[3]!)).toBe(true);
      await fourth;
      for (const sha of shas.slice(4)) await f.pipeline.persist(refs(['samples', 'content', sha]));
      await drain(f.pipeline);
    } finally {
      clearInterval(sampler);
    }
    expect(maxQueued).toBeLessThanOrEqual(2);
    expect(f.server.maxConcurrent).toBe(1);
    for (const sha of shas) expect(await storedHash(f, sha)).toBe(sha);
  });

  it('keeps running after N consecutive source failures: nothing stops, /readyz names the source, the rest is still copied', async () => {
    const readiness = new ReadinessProblems();
    const f = await fixture({ concurrency: 1, retries: 0, maxConsecutiveFailures: 3, maxQueued: 100, readiness });
    const shas = Array.from({ length: 6 }, (_, i) => f.server.put('samples', 'content', Buffer.from(`down ${i}`)));
    f.server.failNext('/api/v3/stream/', 4, 500);
    await f.pipeline.persist(refs(...shas.map((s) => ['samples', 'content', s] as [string, string, string])));
    const stop = f.pipeline.stopRequested.then(() => 'stopped');
    const { unfinished } = await drain(f.pipeline);
    expect(await Promise.race([stop, Promise.resolve('running')])).toBe('running');
    expect(unfinished).toBe(0);
    expect(f.cache.failed.values().map((e) => e.sha256).sort()).toEqual(shas.slice(0, 4).sort());
    for (const sha of shas.slice(4)) expect(await storedHash(f, sha)).toBe(sha);
    // The two stored after the streak cleared the readiness problem.
    expect(readiness.list()).toEqual([]);
    expect(f.cache.failed.values().every((e) => e.kind === 'failed' && e.attempts === 1 && e.nextAt !== undefined)).toBe(true);
  });

  it('waits out a backup bucket that refuses or resets connections: no stream failure, not ready meanwhile, every blob stored after', async () => {
    const proxy = withCleanup(await startFaultProxy({ upstream: upstreamOf(sharedS3Endpoint()), mode: { kind: 'refuse' } }));
    const readiness = new ReadinessProblems();
    const f = await fixture({ endpoint: proxy.url, readiness, concurrency: 2, maxQueued: 3, maxConsecutiveFailures: 1 });
    const shas = Array.from({ length: 8 }, (_, i) => f.server.put('samples', 'content', Buffer.from(`outage ${i} `.repeat(50))));
    // Three fit the waiting line; the rest of the batch waits (backpressure), journaled already.
    const persisting = f.pipeline.persist(refs(...shas.map((s) => ['samples', 'content', s] as [string, string, string])));
    await until('not ready: the backup bucket refuses', async () => (readiness.has('backup-bucket') ? true : undefined), 30_000, 20);
    proxy.setMode({ kind: 'reset' });
    await until('a few more refused attempts', async () => (f.pipeline.stats.destinationFailures! >= 4 ? true : undefined), 30_000, 20);
    expect(f.cache.failed.size).toBe(0);
    expect(f.pipeline.stats.failed).toBe(0);
    expect(readiness.has('stream-source')).toBe(false);
    expect(f.pipeline.stats.queued).toBeLessThanOrEqual(3 + 2);
    expect(f.cache.pending.size).toBe(8);
    proxy.setMode({ kind: 'pass' });
    await persisting;
    expect(await drain(f.pipeline)).toEqual({ unfinished: 0 });
    for (const sha of shas) expect(await storedHash(f, sha)).toBe(sha);
    expect(readiness.list()).toEqual([]);
    expect(f.cache.failed.size).toBe(0);
  });

  it('replays the pending journal at the next start; failed copies wait for their scheduled retry', async () => {
    const server = withCleanup(await startStreamServer());
    const stateDir = makeTempDir('state-');
    const a = await fixture({ server, stateDir, concurrency: 1, retries: 0 });
    const shas = Array.from({ length: 5 }, (_, i) => server.put('samples', 'content', Buffer.from(`replayed ${i}`)));
    server.failNext(`/api/v3/stream/samples/content/${shas[0]}`, 1, 500);
    server.setLatency(200);
    await a.pipeline.persist(refs(...shas.map((s) => ['samples', 'content', s] as [string, string, string])));
    await a.pipeline.drainHitCache();
    await a.pipeline.drainPool(300); // far too short: most stay pending
    await a.cache.close();
    expect(a.cache.failed.has(shas[0]!) || a.cache.pending.has(shas[0]!)).toBe(true);
    expect(a.cache.pending.size).toBeGreaterThan(0);

    server.setLatency(0);
    let clock = Date.now();
    const b = await fixture({ server, stateDir, bucket: a.store.bucket, now: () => new Date(clock) });
    await until('the pending journal replayed', async () => (b.cache.pending.size === 0 ? true : undefined), 30_000, 20);
    const failedNow = b.cache.failed.has(shas[0]!);
    if (failedNow) {
      expect(await b.pipeline.retryDue()).toBe(0); // not due yet: no retry loop at start
      clock += 61_000;
      expect(await b.pipeline.retryDue()).toBe(1);
    }
    await drain(b.pipeline);
    for (const sha of shas) expect(await storedHash(b, sha)).toBe(sha);
    expect(b.cache.pending.size).toBe(0);
    expect(b.cache.failed.size).toBe(0);
  });
});

describe('memory', () => {
  it('streams a 1 GB blob into S3 without raising RSS by more than a few tens of MB', { timeout: 240_000 }, async () => {
    const f = await fixture({ concurrency: 1 });
    const size = 1024 * 1024 * 1024;
    const sha = f.server.putGenerated('samples', 'content', size, 42);
    (globalThis as { gc?: () => void }).gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    try {
      await f.pipeline.persist(refs(['samples', 'content', sha]));
      expect(await drain(f.pipeline, 200_000)).toEqual({ unfinished: 0 });
    } finally {
      clearInterval(sampler);
    }
    const head = await f.store.head(f.layout.streamKey(sha));
    expect(head?.size).toBe(size);
    expect(head?.metadata.sha256).toBe(sha);
    // Hash what S3 holds, streamed: the object is the right 1 GB, not just the right size.
    const hash = createHash('sha256');
    for await (const chunk of await f.store.getStream(f.layout.streamKey(sha))) hash.update(chunk as Buffer);
    expect(hash.digest('hex')).toBe(sha);
    const raisedMb = (peak - baseline) / (1024 * 1024);
    expect(raisedMb, `RSS rose by ${raisedMb.toFixed(1)} MB while copying 1 GB`).toBeLessThan(80);
  });
});
