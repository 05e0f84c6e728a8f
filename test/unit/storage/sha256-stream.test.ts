import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { HashMismatchError, Sha256Stream, SizeMismatchError, sha256Hex, sha256OfStream } from '../../../src/storage/sha256-stream.js';

const content = Buffer.from('streamvault keeps every byte it was given, and checks them on the way out\n'.repeat(40));
const contentSha = createHash('sha256').update(content).digest('hex');
const EMPTY_SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** `content` cut at the given offsets. */
function split(at: readonly number[]): Buffer[] {
  const edges = [0, ...at, content.length];
  return edges.slice(1).map((end, i) => content.subarray(edges[i]!, end));
}

function collector(): { sink: Writable; received: () => Buffer } {
  const chunks: Buffer[] = [];
  return { sink: new Writable({ write: (c: Buffer, _e, done) => (chunks.push(c), done()) }), received: () => Buffer.concat(chunks) };
}

describe('sha256Hex', () => {
  it('hashes a whole buffer or string', () => {
    expect(sha256Hex(Buffer.alloc(0))).toBe(EMPTY_SHA);
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex(content)).toBe(contentSha);
  });
});

describe('Sha256Stream', () => {
  const splits: ReadonlyArray<readonly number[]> = [[], [1], [content.length - 1], [7, 8, 9, 1000, 2047], Array.from({ length: 99 }, (_, i) => (i + 1) * 29)];
  for (const at of splits) {
    it(`passes the bytes through and hashes them the same in ${at.length + 1} chunk(s)`, async () => {
      const seen: number[] = [];
      const hasher = new Sha256Stream({ onChunk: (n) => seen.push(n) });
      const { sink, received } = collector();
      await pipeline(Readable.from(split(at)), hasher, sink);
      expect(received()).toEqual(content);
      expect(hasher.sha256).toBe(contentSha);
      expect(hasher.bytes).toBe(content.length);
      expect(seen).toEqual(split(at).map((c) => c.length));
      expect(hasher.verified).toBe(true);
    });
  }

  it('an empty stream: the sha256 of no bytes, 0 bytes, and it meets expectations of exactly that', async () => {
    const hasher = new Sha256Stream({ expectedSha256: EMPTY_SHA, expectedBytes: 0 });
    const { sink, received } = collector();
    await pipeline(Readable.from([]), hasher, sink);
    expect(received().length).toBe(0);
    expect(hasher.sha256).toBe(EMPTY_SHA);
    expect(hasher.bytes).toBe(0);
    expect(hasher.verified).toBe(true);
  });

  it('content that does not hash to the expected sha256 fails the stream with STREAM_HASH_MISMATCH, saying expected and got', async () => {
    const wrong = 'a'.repeat(64);
    const hasher = new Sha256Stream({ expectedSha256: wrong, hashMismatchNote: '; not posted' });
    const { sink } = collector();
    const failure = await pipeline(Readable.from(split([100, 200])), hasher, sink).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(HashMismatchError);
    const error = failure as HashMismatchError;
    expect(error.code).toBe('STREAM_HASH_MISMATCH');
    expect(error.retriable).toBe(false);
    expect(error.message).toBe(`content does not match its sha256: expected ${wrong}, got ${contentSha} (${content.length} bytes); not posted`);
    expect([error.expected, error.actual, error.bytes]).toEqual([wrong, contentSha, content.length]);
    expect(hasher.mismatch).toBe(error);
    expect(hasher.verified).toBe(false);
  });

  it('right content of another length than expected fails with STREAM_SIZE_MISMATCH, saying expected and got', async () => {
    const hasher = new Sha256Stream({ expectedSha256: contentSha, expectedBytes: content.length + 5 });
    const { sink } = collector();
    const failure = await pipeline(Readable.from(split([10])), hasher, sink).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(SizeMismatchError);
    const error = failure as SizeMismatchError;
    expect(error.code).toBe('STREAM_SIZE_MISMATCH');
    expect(error.message).toBe(`content is ${content.length} bytes, expected ${content.length + 5}`);
    expect([error.expected, error.bytes]).toEqual([content.length + 5, content.length]);
    expect(hasher.sizeMismatch).toBe(error);
    expect(hasher.mismatch).toBeUndefined();
  });

  it('the hash is checked before the size: wrong content of the wrong length is a hash mismatch', async () => {
    const hasher = new Sha256Stream({ expectedSha256: 'b'.repeat(64), expectedBytes: 1 });
    await expect(pipeline(Readable.from([content]), hasher, collector().sink)).rejects.toMatchObject({ code: 'STREAM_HASH_MISMATCH' });
  });

  it('withholdLastChunk: on a mismatch the consumer never receives the last chunk; on a match it receives every byte', async () => {
    const failing = collector();
    await expect(
      pipeline(Readable.from(split([1000, 2000])), new Sha256Stream({ expectedSha256: 'c'.repeat(64), withholdLastChunk: true }), failing.sink),
    ).rejects.toBeInstanceOf(HashMismatchError);
    expect(failing.received()).toEqual(content.subarray(0, 2000));

    const passing = collector();
    await pipeline(Readable.from(split([1000, 2000])), new Sha256Stream({ expectedSha256: contentSha, withholdLastChunk: true }), passing.sink);
    expect(passing.received()).toEqual(content);
  });

  it('without withholding a mismatching stream still passes every byte (the caller discards them)', async () => {
    const { sink, received } = collector();
    await expect(pipeline(Readable.from(split([1000])), new Sha256Stream({ expectedSha256: 'd'.repeat(64) }), sink)).rejects.toBeInstanceOf(HashMismatchError);
    expect(received()).toEqual(content);
  });
});

describe('sha256OfStream', () => {
  it('reads a stream to its end: the digest and the byte count, in any chunk split', async () => {
    await expect(sha256OfStream(Readable.from(split([3, 500])))).resolves.toEqual({ sha256: contentSha, bytes: content.length });
    await expect(sha256OfStream(Readable.from([]))).resolves.toEqual({ sha256: EMPTY_SHA, bytes: 0 });
  });

  it('rejects with the source error, and with the mismatch error when an expectation fails', async () => {
    const broken = new Readable({
      read() {
        this.destroy(new Error('disk read failed'));
      },
    });
    await expect(sha256OfStream(broken)).rejects.toThrow('disk read failed');
    await expect(sha256OfStream(Readable.from([content]), { expectedBytes: 3 })).rejects.toMatchObject({ code: 'STREAM_SIZE_MISMATCH' });
  });
});
