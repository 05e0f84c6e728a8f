import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StreamvaultError } from '../errors/streamvault-error.js';

/** The content's bytes do not hash to the sha256 they were expected to. */
export class HashMismatchError extends StreamvaultError {
  /** `note`: what it means where it happened, appended to the message (e.g. `; not stored`). */
  constructor(readonly expected: string, readonly actual: string, readonly bytes: number, note = '') {
    super(`content does not match its sha256: expected ${expected}, got ${actual} (${bytes} bytes)${note}`, { code: 'STREAM_HASH_MISMATCH' });
    this.name = 'HashMismatchError';
  }
}

/** The content hashed right (or was not checked) but its length is not the expected one. */
export class SizeMismatchError extends StreamvaultError {
  /** `note`: appended to the message, as for HashMismatchError. */
  constructor(readonly expected: number, readonly bytes: number, note = '') {
    super(`content is ${bytes} bytes, expected ${expected}${note}`, { code: 'STREAM_SIZE_MISMATCH' });
    this.name = 'SizeMismatchError';
  }
}

/** The sha256 of bytes held whole, in hex. */
export function sha256Hex(data: Buffer | Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface Sha256StreamOptions {
  /** When set, the stream ends in a HashMismatchError unless the bytes hash to it. */
  readonly expectedSha256?: string;
  /** When set, the stream ends in a SizeMismatchError unless exactly this many bytes passed (checked after the hash). */
  readonly expectedBytes?: number;
  /** Called for every chunk once it was hashed, with its length. */
  readonly onChunk?: (bytes: number) => void;
  /**
   * Holds back the last chunk until the end, and passes it on only when the checks above held:
   * a consumer never receives the whole of content that fails them, nor its end.
   */
  readonly withholdLastChunk?: boolean;
  /** Appended to the mismatch errors' messages (what a mismatch means for the caller). */
  readonly hashMismatchNote?: string;
  readonly sizeMismatchNote?: string;
}

/**
 * Passes bytes through unchanged while hashing and counting them. Once it ended, `sha256` holds
 * the digest (hex) and `bytes` the count; with an expected sha256 or size it fails instead of
 * ending when they do not hold (`mismatch` / `sizeMismatch` say which) and `verified` stays false.
 */
export class Sha256Stream extends Transform {
  readonly #hash: Hash = createHash('sha256');
  readonly #options: Sha256StreamOptions;
  #held: Buffer | undefined;
  bytes = 0;
  /** The digest in hex, once the stream ended (also when a check then failed). */
  sha256: string | undefined;
  /** True once every byte was hashed and every expectation given held. */
  verified = false;
  mismatch: HashMismatchError | undefined;
  sizeMismatch: SizeMismatchError | undefined;

  constructor(options: Sha256StreamOptions = {}) {
    super();
    this.#options = options;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    this.bytes += chunk.length;
    this.#options.onChunk?.(chunk.length);
    if (!this.#options.withholdLastChunk) {
      callback(null, chunk);
      return;
    }
    const previous = this.#held;
    this.#held = chunk;
    callback(null, previous);
  }

  override _flush(callback: TransformCallback): void {
    const actual = this.#hash.digest('hex');
    this.sha256 = actual;
    const { expectedSha256, expectedBytes } = this.#options;
    if (expectedSha256 !== undefined && actual !== expectedSha256) {
      this.mismatch = new HashMismatchError(expectedSha256, actual, this.bytes, this.#options.hashMismatchNote);
      callback(this.mismatch);
      return;
    }
    if (expectedBytes !== undefined && expectedBytes !== this.bytes) {
      this.sizeMismatch = new SizeMismatchError(expectedBytes, this.bytes, this.#options.sizeMismatchNote);
      callback(this.sizeMismatch);
      return;
    }
    this.verified = true;
    callback(null, this.#held);
  }
}

/**
 * Reads `source` to its end and returns its sha256 (hex) and length, never holding it whole.
 * Rejects with the source's error, or with a mismatch error when an expectation in `options` fails.
 */
export async function sha256OfStream(
  source: NodeJS.ReadableStream | AsyncIterable<Buffer>,
  options: Omit<Sha256StreamOptions, 'withholdLastChunk'> = {},
): Promise<{ sha256: string; bytes: number }> {
  const hasher = new Sha256Stream(options);
  await pipeline(source, hasher, async function drain(chunks: AsyncIterable<Buffer>) {
    for await (const chunk of chunks) void chunk;
  });
  return { sha256: hasher.sha256!, bytes: hasher.bytes };
}
