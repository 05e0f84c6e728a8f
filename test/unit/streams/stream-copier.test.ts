import { HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { StreamRef } from '../../../src/filecache/stream-file-cache.js';
import { createLogger } from '../../../src/observability/logger.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { S3ObjectStore } from '../../../src/storage/s3-object-store.js';
import { StreamCopier, WHOLE_COPY_MAX_BYTES } from '../../../src/streams/stream-copier.js';
import { StreamSourceError, type OpenedStream, type StreamSource } from '../../../src/streams/stream-source.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const logger = createLogger('silent');
const layout = new KeyLayout('');
const hash = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function source(open: (ref: StreamRef, signal: AbortSignal) => Promise<OpenedStream>): StreamSource & { calls: number } {
  const s = { kind: 'fake', calls: 0, open: (ref: StreamRef, signal: AbortSignal) => (s.calls++, open(ref, signal)) };
  return s;
}

const copier = (store: MemoryObjectStore | S3ObjectStore, src: StreamSource, extra: Partial<{ retries: number; idleTimeoutMs: number }> = {}) =>
  new StreamCopier({ store, layout, source: src, logger, retries: extra.retries ?? 2, minRetryDelayMs: 1, idleTimeoutMs: extra.idleTimeoutMs ?? 5_000 });

const never = new AbortController().signal;

describe('StreamCopier', () => {
  it('abandons an attempt when the source goes quiet (idle timeout), retries, then reports the failure', async () => {
    const store = new MemoryObjectStore();
    const src = source(async () => ({ kind: 'found', body: new PassThrough(), size: undefined }));
    const outcome = await copier(store, src, { retries: 1, idleTimeoutMs: 50 }).copy({ source: 's', label: 'l', sha256: 'a'.repeat(64) }, never);
    expect(outcome).toMatchObject({ kind: 'failed', reason: expect.stringContaining('got none for 50 ms') });
    expect(src.calls).toBe(2);
    expect(store.objects.size).toBe(0);
  });

  it('does not retry a source error marked not retriable (a 403)', async () => {
    const src = source(async () => {
      throw new StreamSourceError('GET x: expected 200, got 403 Forbidden', false);
    });
    const outcome = await copier(new MemoryObjectStore(), src).copy({ source: 's', label: 'l', sha256: 'a'.repeat(64) }, never);
    expect(outcome).toEqual({ kind: 'failed', reason: 'GET x: expected 200, got 403 Forbidden' });
    expect(src.calls).toBe(1);
  });

  it('reports aborted (not failed) when shutdown aborts a copy, so it stays journaled', async () => {
    const controller = new AbortController();
    const src = source(async () => ({ kind: 'found', body: new PassThrough(), size: undefined }));
    const copying = copier(new MemoryObjectStore(), src).copy({ source: 's', label: 'l', sha256: 'a'.repeat(64) }, controller.signal);
    setTimeout(() => controller.abort(new Error('grace expired')), 30);
    expect(await copying).toEqual({ kind: 'aborted' });
  });

  it('reports a backup bucket answering 500 as the destination being unavailable (no per-stream retries, no stream failure); the next copy stores it', async () => {
    const client = new S3Client({ region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    const s3 = mockClient(client);
    const content = Buffer.from('blob that meets a flaky S3');
    const sha = hash(content);
    const puts: Buffer[] = [];
    s3.on(HeadObjectCommand).rejects(Object.assign(new S3ServiceException({ name: 'NotFound', $fault: 'client', $metadata: { httpStatusCode: 404 } }), {}));
    s3.on(PutObjectCommand)
      .rejectsOnce(new S3ServiceException({ name: 'InternalError', $fault: 'server', $metadata: { httpStatusCode: 500 }, message: 'We encountered an internal error' }))
      .callsFake(async (input: { Body: Buffer | Uint8Array; Key: string }) => {
        puts.push(Buffer.from(input.Body));
        return {};
      });
    const store = new S3ObjectStore(client, 'bucket');
    const src = source(async () => ({ kind: 'found', body: Readable.from([Buffer.from(content)]), size: content.length }));
    const first = await copier(store, src).copy({ source: 's', label: 'l', sha256: sha }, never);
    expect(first).toMatchObject({ kind: 'destination-unavailable', reason: expect.stringContaining('HTTP 500') });
    expect(src.calls).toBe(1);
    const second = await copier(store, src).copy({ source: 's', label: 'l', sha256: sha }, never);
    expect(second).toMatchObject({ kind: 'stored', bytes: content.length, attempts: 1 });
    expect(puts.map((b) => hash(b))).toEqual([sha]);
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).toEqual([layout.streamKey(sha), layout.streamKey(sha)]);
    s3.restore();
  });

  it('tells a HEAD failure on the backup bucket (connection refused) from a source failure', async () => {
    const store = new MemoryObjectStore();
    store.failNext = (op) => (op === 'head' ? Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) : undefined);
    const src = source(async () => {
      throw new Error('must not be called');
    });
    const outcome = await copier(store, src).copy({ source: 's', label: 'l', sha256: 'a'.repeat(64) }, never);
    expect(outcome).toMatchObject({ kind: 'destination-unavailable', reason: expect.stringContaining('ECONNREFUSED') });
    expect(src.calls).toBe(0);
  });

  it('counts a source body that breaks mid-download as a source failure, not the destination', async () => {
    const src = source(async () => {
      const body = new PassThrough();
      body.write(Buffer.alloc(100, 1));
      setTimeout(() => body.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })), 10);
      return { kind: 'found', body, size: 1000 };
    });
    const outcome = await copier(new MemoryObjectStore(), src, { retries: 1 }).copy({ source: 's', label: 'l', sha256: 'a'.repeat(64) }, never);
    expect(outcome).toMatchObject({ kind: 'failed', reason: expect.stringContaining('ECONNRESET') });
    expect(src.calls).toBe(2);
  });

  describe('a blob of announced size up to one part, stored as it arrives', () => {
    const ref = (content: Buffer) => ({ source: 's', label: 'l', sha256: hash(content) });
    const ops = (store: MemoryObjectStore) => store.calls.filter((c) => c.op !== 'head').map((c) => c.op);

    it('is one put carrying its sha256 (the store checks the bytes against it), not a streamed upload', async () => {
      const store = new MemoryObjectStore();
      const content = Buffer.alloc(300_000, 9);
      const src = source(async () => ({ kind: 'found', body: Readable.from([content.subarray(0, 100_000), content.subarray(100_000)]), size: content.length }));
      expect(await copier(store, src).copy(ref(content), never)).toEqual({ kind: 'stored', bytes: content.length, attempts: 1 });
      expect(ops(store)).toEqual(['put']);
      const stored = store.objects.get(layout.streamKey(hash(content)));
      expect(stored?.body.equals(content)).toBe(true);
      expect(stored?.options).toMatchObject({ sha256: hash(content), metadata: { sha256: hash(content) } });
    });

    it('goes through the streamed upload when its size is not announced or is over one part', async () => {
      const small = Buffer.from('size not announced');
      const big = Buffer.alloc(WHOLE_COPY_MAX_BYTES + 1, 3);
      for (const [content, size] of [[small, undefined], [big, big.length]] as const) {
        const store = new MemoryObjectStore();
        const src = source(async () => ({ kind: 'found', body: Readable.from([content]), size }));
        expect(await copier(store, src).copy(ref(content), never)).toMatchObject({ kind: 'stored', bytes: content.length });
        expect(ops(store)).toEqual(['putStream']);
        const stored = store.objects.get(layout.streamKey(hash(content)));
        expect(stored?.body.equals(content)).toBe(true);
        expect(stored?.options.sha256).toBeUndefined();
      }
    });

    it('stores nothing when the content does not match its hash', async () => {
      const store = new MemoryObjectStore();
      const content = Buffer.from('what the source sent');
      const src = source(async () => ({ kind: 'found', body: Readable.from([content]), size: content.length }));
      const outcome = await copier(store, src).copy({ source: 's', label: 'l', sha256: hash(Buffer.from('what was referenced')) }, never);
      expect(outcome).toMatchObject({ kind: 'failed', reason: expect.stringContaining('sha256') });
      expect(store.objects.size).toBe(0);
      expect(src.calls).toBe(1);
    });

    it('stops reading past the announced size and copies again trusting no size: stored whole, exactly', async () => {
      const store = new MemoryObjectStore();
      const content = Buffer.alloc(50_000, 5);
      // Announces half: the first attempt stops past it instead of holding whatever comes.
      const src = source(async () => ({ kind: 'found', body: Readable.from([content.subarray(0, 30_000), content.subarray(30_000)]), size: 25_000 }));
      expect(await copier(store, src).copy(ref(content), never)).toEqual({ kind: 'stored', bytes: content.length, attempts: 1 });
      expect(src.calls).toBe(2);
      expect(ops(store)).toEqual(['putStream']);
      expect(store.objects.get(layout.streamKey(hash(content)))?.body.equals(content)).toBe(true);
    });
  });

  it('never builds a key from an invalid reference', async () => {
    const store = new MemoryObjectStore();
    const src = source(async () => {
      throw new Error('must not be called');
    });
    const outcome = await copier(store, src).copy({ source: 's', label: 'l', sha256: '../../etc/passwd' }, never);
    expect(outcome.kind).toBe('failed');
    expect(store.calls).toEqual([]);
    expect(src.calls).toBe(0);
  });
});
