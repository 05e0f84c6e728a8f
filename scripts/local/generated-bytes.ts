import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';

const CHUNK = 64 * 1024;
const ZEROS = Buffer.alloc(CHUNK);

/**
 * Deterministic pseudo-random bytes: AES-128-CTR over zeros, keyed by `seed`. Fast (GB/s) and
 * independent of chunking, so a large blob can be served and checked without holding it.
 */
export function* generatedChunks(size: number, seed: number): Generator<Buffer> {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new TypeError(`Expected \`size\` to be an integer from 0 and up, got \`${size}\``);
  }
  const key = Buffer.alloc(16);
  key.writeDoubleBE(seed);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  for (let left = size; left > 0; left -= CHUNK) {
    yield cipher.update(left >= CHUNK ? ZEROS : ZEROS.subarray(0, left));
  }
}

export function generatedStream(size: number, seed: number): Readable {
  return Readable.from(generatedChunks(size, seed), { objectMode: false });
}

export function generatedBuffer(size: number, seed: number): Buffer {
  return Buffer.concat([...generatedChunks(size, seed)]);
}

/** sha256 (hex) of the bytes `generatedChunks(size, seed)` yields. */
export function generatedSha256(size: number, seed: number): string {
  const hash = createHash('sha256');
  for (const chunk of generatedChunks(size, seed)) hash.update(chunk);
  return hash.digest('hex');
}
