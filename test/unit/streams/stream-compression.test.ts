import { createHash } from 'node:crypto';
import { createGunzip, gzipSync, gunzipSync } from 'node:zlib';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { zstdCompressionAvailable } from '../../../src/compression/zstd.js';
import type { StreamRef } from '../../../src/filecache/stream-file-cache.js';
import { createLogger } from '../../../src/observability/logger.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { StreamCopier } from '../../../src/streams/stream-copier.js';
import { openStoredStream, StreamEncodingError, type StreamCompression } from '../../../src/streams/stream-encoding.js';
import type { OpenedStream, StreamSource } from '../../../src/streams/stream-source.js';
import { getStream } from '../../../src/verify/get-stream.js';
import { hashStreamContent } from '../../reliability/kit/independent-backup-reader.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const logger = createLogger('silent');
const layout = new KeyLayout('');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const never = new AbortController().signal;

/** Compressible: JSON-ish lines that repeat with small changes. */
const content = Buffer.from(Array.from({ length: 4000 }, (_, i) => `{"sample":${i % 13},"label":"content","note":"stream blob line"}\n`).join(''));
const ref: StreamRef = { source: 'azul', label: 'content', sha256: sha(content) };

function sourceOf(open: () => OpenedStream): StreamSource & { calls: number } {
  const s = { kind: 'fake', calls: 0, open: async () => (s.calls++, open()) };
  return s;
}
const serving = (body: Buffer, size: number | undefined = body.length) =>
  sourceOf(() => ({ kind: 'found', body: Readable.from([body.subarray(0, 1000), body.subarray(1000)]), size }));

const copier = (store: MemoryObjectStore, source: StreamSource, compression: StreamCompression) =>
  new StreamCopier({ store, layout, source, logger, retries: 2, minRetryDelayMs: 1, idleTimeoutMs: 5_000, compression });

async function read(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const compressions: StreamCompression[] = zstdCompressionAvailable() ? ['gzip', 'zstd'] : ['gzip'];

describe('stream compression', () => {
  for (const compression of compressions) {
    it(`${compression}: stores fewer bytes than the content, not the content, and every reader gets the content back`, async () => {
      const store = new MemoryObjectStore();
      const outcome = await copier(store, serving(content), compression).copy(ref, never);
      expect(outcome).toMatchObject({ kind: 'stored', bytes: content.length });
      const stored = store.objects.get(layout.streamKey(ref.sha256))!;
      expect(stored.body.length).toBeLessThan(content.length / 5);
      expect(stored.body.includes(content.subarray(0, 200))).toBe(false);
      expect(stored.options.metadata).toMatchObject({ sha256: ref.sha256, encoding: compression, 'content-size': String(content.length) });

      expect(await read(await openStoredStream(store, layout.streamKey(ref.sha256)))).toEqual(content);
      expect(await hashStreamContent(Readable.from([stored.body]), stored.options.metadata?.encoding)).toBe(ref.sha256);
      const out = new PassThrough();
      const got = read(out);
      expect(await getStream({ store, layout }, ref.sha256, { kind: 'stream', out })).toMatchObject({ kind: 'written', bytes: content.length });
      out.end();
      expect(await got).toEqual(content);
    });

    it(`${compression}: content that does not hash to its name is not stored (checked before compression)`, async () => {
      const store = new MemoryObjectStore();
      const wrong = Buffer.concat([content.subarray(0, -1), Buffer.from('!')]);
      const outcome = await copier(store, serving(wrong), compression).copy(ref, never);
      expect(outcome).toMatchObject({ kind: 'failed', reason: expect.stringContaining(`expected ${ref.sha256}`) });
      expect(store.objects.has(layout.streamKey(ref.sha256))).toBe(false);
    });
  }

  it('a source that announced the wrong size: copied again at once and stored without a content size, never with the wrong one', async () => {
    const store = new MemoryObjectStore();
    const source = serving(content, content.length + 5);
    // No retries: the second read is not a retry of a failure, so it does not depend on the budget.
    const outcome = await new StreamCopier({ store, layout, source, logger, retries: 0, minRetryDelayMs: 1, idleTimeoutMs: 5_000, compression: 'gzip' }).copy(ref, never);
    expect(outcome).toMatchObject({ kind: 'stored', attempts: 1 });
    expect(source.calls).toBe(2);
    const stored = store.objects.get(layout.streamKey(ref.sha256))!;
    expect(stored.options.metadata?.['content-size']).toBeUndefined();
    expect(gunzipSync(stored.body)).toEqual(content);
  });

  it('dedup holds across encodings: an uncompressed object with its sha256 is kept when compression is on', async () => {
    const store = new MemoryObjectStore();
    await store.put(layout.streamKey(ref.sha256), content, { metadata: { sha256: ref.sha256 } });
    const source = serving(content);
    expect(await copier(store, source, 'gzip').copy(ref, never)).toEqual({ kind: 'deduped' });
    expect(source.calls).toBe(0);
    expect(store.objects.get(layout.streamKey(ref.sha256))!.body).toEqual(content);
  });

  it('a compressed object whose content was swapped is caught by the sha256 after decompression', async () => {
    const store = new MemoryObjectStore();
    const other = Buffer.from('other content '.repeat(500));
    await store.put(layout.streamKey(ref.sha256), gzipSync(other), { metadata: { sha256: ref.sha256, encoding: 'gzip' } });
    const out = new PassThrough();
    out.resume();
    expect(await getStream({ store, layout }, ref.sha256, { kind: 'stream', out })).toMatchObject({ kind: 'corrupt', expected: ref.sha256, got: sha(other) });
  });

  it('a mixed bucket reads: objects without an encoding are the content, an unknown encoding is refused by name', async () => {
    const store = new MemoryObjectStore();
    const old = Buffer.from('written before compression existed');
    await store.put('streams/aa/old', old, { metadata: { sha256: sha(old) } });
    await store.put('streams/bb/new', gzipSync(content), { metadata: { sha256: ref.sha256, encoding: 'gzip' } });
    await store.put('streams/cc/future', content, { metadata: { sha256: ref.sha256, encoding: 'gzip,aes256gcm' } });
    expect(await read(await openStoredStream(store, 'streams/aa/old'))).toEqual(old);
    expect(await read(await openStoredStream(store, 'streams/bb/new'))).toEqual(content);
    const refused = await openStoredStream(store, 'streams/cc/future').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StreamEncodingError);
    expect((refused as Error).message).toContain('"gzip,aes256gcm"');
  });

  it('a truncated compressed object fails the read instead of ending short', async () => {
    const store = new MemoryObjectStore();
    const gz = gzipSync(content);
    await store.put('streams/dd/cut', gz.subarray(0, gz.length - 20), { metadata: { sha256: ref.sha256, encoding: 'gzip' } });
    await expect(read(await openStoredStream(store, 'streams/dd/cut'))).rejects.toThrow();
  });

  it('streams: the store gets compressed bytes while the source is still sending, and nothing is held whole', { timeout: 60_000 }, async () => {
    const MiB = 1024 * 1024;
    const total = 24 * MiB;
    // Deterministic, half-compressible chunks (hex digests), made as they are read.
    function* chunks(): Generator<Buffer> {
      let seed = Buffer.from('seed');
      for (let made = 0; made < total; made += 64 * 1024) {
        const parts: Buffer[] = [];
        for (let i = 0; i < 1024; i++) {
          seed = createHash('sha256').update(seed).digest();
          parts.push(Buffer.from(seed.toString('hex')));
        }
        yield Buffer.concat(parts);
      }
    }
    const hash = createHash('sha256');
    for (const chunk of chunks()) hash.update(chunk);
    const big: StreamRef = { source: 'azul', label: 'content', sha256: hash.digest('hex') };

    let emitted = 0;
    const source = sourceOf(() => ({
      kind: 'found',
      body: Readable.from((function* () {
        for (const chunk of chunks()) {
          emitted += chunk.length;
          yield chunk;
        }
      })()),
      size: total,
    }));
    let emittedAtFirstStoredByte: number | undefined;
    let storedBytes = 0;
    const contentHash = createHash('sha256');
    const store = new MemoryObjectStore();
    // An uploader that keeps nothing: it only counts, and hashes what the object decompresses to.
    store.putStream = async (_key, body) => {
      const gunzip = createGunzip();
      const decoded = pipeline(gunzip, new Writable({ write: (c: Buffer, _e, done) => (contentHash.update(c), done()) }));
      await pipeline(
        body,
        new Writable({
          write(c: Buffer, _e, done) {
            emittedAtFirstStoredByte ??= emitted;
            storedBytes += c.length;
            if (!gunzip.write(c)) gunzip.once('drain', () => done());
            else done();
          },
          final(done) {
            gunzip.end();
            done();
          },
        }),
      );
      await decoded;
    };
    const outcome = await copier(store, source, 'gzip').copy(big, never);
    expect(outcome).toMatchObject({ kind: 'stored', bytes: total });
    expect(contentHash.digest('hex')).toBe(big.sha256);
    expect(storedBytes).toBeLessThan(total);
    expect(emittedAtFirstStoredByte).toBeLessThan(total / 8);
  });
});
