import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { S3ServiceException } from '@aws-sdk/client-s3';
import { buildSourceKey, S3StreamSource } from '../../../src/streams/s3-stream-source.js';
import { StreamSourceError } from '../../../src/streams/stream-source.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const sha256 = 'ab'.repeat(32);

describe('buildSourceKey', () => {
  const ref = { source: '%2e%2e', label: 'la bel?#', sha256: 'ab'.repeat(32) };

  it('fills the S3 key template', () => {
    expect(buildSourceKey('blobs/{sha256_2}/{sha256}', ref)).toBe(`blobs/ab/${'ab'.repeat(32)}`);
    expect(buildSourceKey('{source}/{label}/{sha256}', { ...ref, source: 'samples', label: 'content' })).toBe(`samples/content/${'ab'.repeat(32)}`);
  });

  // Regression (issue 11): the S3 source put source and label into the key as they came, while the
  // restore's S3 target percent-encoded them, so a blob restored to a bucket was not found there
  // by a backup reading that bucket as its source.
  it('percent-encodes source and label in the S3 key, as the restore S3 target does', () => {
    expect(buildSourceKey('{source}/{label}/{sha256}', ref)).toBe(`%252e%252e/la%20bel%3F%23/${'ab'.repeat(32)}`);
    expect(buildSourceKey('{source}/{label}/{sha256}', { ...ref, source: 'Büro', label: 'a+b' })).toBe(`B%C3%BCro/a%2Bb/${'ab'.repeat(32)}`);
  });
});

describe('S3StreamSource', () => {
  const ref = { source: 'samples', label: 'content', sha256 };
  const never = new AbortController().signal;

  it('opens the object under the rendered key', async () => {
    const store = new MemoryObjectStore();
    await store.put(`blobs/ab/${sha256}`, Buffer.from('blob'));
    const opened = await new S3StreamSource(store, 'blobs/{sha256_2}/{sha256}').open(ref, never);
    expect(opened.kind).toBe('found');
    const chunks: Buffer[] = [];
    for await (const c of (opened as { body: Readable }).body) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('blob');
  });

  it('answers missing for an absent object, naming bucket and key', async () => {
    expect(await new S3StreamSource(new MemoryObjectStore(), '{sha256}').open(ref, never)).toEqual({ kind: 'missing', detail: `s3://memory/${sha256} does not exist` });
  });

  it('fails other errors as StreamSourceError, retriable for 5xx, 429 and no answer, not for 403', async () => {
    const outcomes = [];
    for (const status of [503, 429, undefined, 403]) {
      const store = new MemoryObjectStore();
      store.failNext = () =>
        status === undefined
          ? new Error('connect ECONNREFUSED')
          : new S3ServiceException({ name: status === 403 ? 'AccessDenied' : 'SlowDown', $fault: 'server', $metadata: { httpStatusCode: status }, message: 'nope' });
      const error = await new S3StreamSource(store, '{sha256}').open(ref, never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StreamSourceError);
      outcomes.push([status, (error as StreamSourceError).retriable]);
      if (status === 403) expect((error as Error).message).toBe(`GET s3://memory/${sha256}: expected the object, got AccessDenied: nope`);
    }
    expect(outcomes).toEqual([[503, true], [429, true], [undefined, true], [403, false]]);
  });

  it('passes an abort on as the abort', async () => {
    const controller = new AbortController();
    const reason = new Error('shutting down');
    controller.abort(reason);
    const store = new MemoryObjectStore();
    await store.put(sha256, Buffer.from('blob'));
    await expect(new S3StreamSource(store, '{sha256}').open(ref, controller.signal)).rejects.toBe(reason);
  });
});
