import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { HashMismatchError, SizeMismatchError } from '../../../src/storage/sha256-stream.js';
import { Sha256Verifier } from '../../../src/streams/sha256-verifier.js';

const hash = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('Sha256Verifier', () => {
  it('withholds the last chunk until the hash matched, so a consumer never sees all of wrong content', async () => {
    const chunks = [Buffer.alloc(1000, 1), Buffer.alloc(1000, 2), Buffer.alloc(500, 3)];
    let received = 0;
    const verifier = new Sha256Verifier('0'.repeat(64));
    const sink = new Writable({ write: (c: Buffer, _e, done) => ((received += c.length), done()) });
    await expect(pipeline(Readable.from(chunks), verifier, sink)).rejects.toBeInstanceOf(HashMismatchError);
    expect(received).toBe(2000);
    expect(verifier.verified).toBe(false);
  });

  it('passes every byte once the hash matched', async () => {
    const content = Buffer.alloc(5000, 9);
    const out: Buffer[] = [];
    const verifier = new Sha256Verifier(hash(content));
    await pipeline(Readable.from([content.subarray(0, 100), content.subarray(100)]), verifier, new Writable({ write: (c, _e, done) => (out.push(c), done()) }));
    expect(Buffer.concat(out)).toEqual(content);
    expect(verifier.verified).toBe(true);
  });

  it('right content of another length than its source announced fails with STREAM_SIZE_MISMATCH and withholds the last chunk', async () => {
    const content = Buffer.alloc(3000, 4);
    let received = 0;
    const verifier = new Sha256Verifier(hash(content), undefined, 2999);
    const sink = new Writable({ write: (c: Buffer, _e, done) => ((received += c.length), done()) });
    const failure = await pipeline(Readable.from([content.subarray(0, 1000), content.subarray(1000)]), verifier, sink).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SizeMismatchError);
    expect((failure as SizeMismatchError).code).toBe('STREAM_SIZE_MISMATCH');
    expect((failure as SizeMismatchError).message).toBe('content is 3000 bytes, expected 2999 (the size its source announced); not stored with the announced size');
    expect(received).toBe(1000);
    expect(verifier.verified).toBe(false);
  });

  it('a hash mismatch says expected and got, and that the content was not stored', async () => {
    const content = Buffer.from('abc');
    const failure = await pipeline(Readable.from([content]), new Sha256Verifier('0'.repeat(64)), new Writable({ write: (_c, _e, done) => done() })).catch((e: unknown) => e);
    expect((failure as HashMismatchError).code).toBe('STREAM_HASH_MISMATCH');
    expect((failure as HashMismatchError).message).toBe(`content does not match its sha256: expected ${'0'.repeat(64)}, got ${hash(content)} (3 bytes); not stored`);
  });
});
