import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { StreamvaultError } from '../errors/streamvault-error.js';

export class HashMismatchError extends StreamvaultError {
  constructor(readonly expected: string, readonly actual: string, readonly bytes: number) {
    super(`content does not match its sha256: expected ${expected}, got ${actual} (${bytes} bytes); not stored`, { code: 'STREAM_HASH_MISMATCH' });
    this.name = 'HashMismatchError';
  }
}

/** The content hashed right but its length is not the one the source announced (and the upload recorded). */
export class AnnouncedSizeMismatchError extends StreamvaultError {
  constructor(readonly announced: number, readonly bytes: number) {
    super(`stream content is ${bytes} bytes, the source announced ${announced}; not stored with the announced size`, { code: 'STREAM_SIZE_MISMATCH' });
    this.name = 'AnnouncedSizeMismatchError';
  }
}

/**
 * Passes bytes through while hashing them, and HOLDS BACK THE LAST CHUNK until the whole content
 * has been hashed and matches `expected`. On a mismatch the stream ends in an error instead, so
 * the consumer (the S3 upload) never receives the complete content nor its end: neither
 * PutObject (sent only after the end for small bodies) nor CompleteMultipartUpload is issued, and
 * even an uploader that committed on the byte count alone would be a chunk short.
 */
export class Sha256Verifier extends Transform {
  readonly expected: string;
  readonly #hash: Hash = createHash('sha256');
  readonly #onProgress: (() => void) | undefined;
  #held: Buffer | undefined;
  bytes = 0;
  /** True only once every byte was hashed and the digest matched. */
  verified = false;
  mismatch: HashMismatchError | undefined;

  readonly #expectedBytes: number | undefined;
  sizeMismatch: AnnouncedSizeMismatchError | undefined;

  /**
   * `expectedBytes`: the upload records this size in its metadata, so a content of another
   * length (right hash, wrong announced size) must not complete it either.
   */
  constructor(expected: string, onProgress?: () => void, expectedBytes?: number) {
    super();
    this.expected = expected;
    this.#onProgress = onProgress;
    this.#expectedBytes = expectedBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    this.bytes += chunk.length;
    this.#onProgress?.();
    const previous = this.#held;
    this.#held = chunk;
    callback(null, previous);
  }

  override _flush(callback: TransformCallback): void {
    const actual = this.#hash.digest('hex');
    if (actual !== this.expected) {
      this.mismatch = new HashMismatchError(this.expected, actual, this.bytes);
      callback(this.mismatch);
      return;
    }
    if (this.#expectedBytes !== undefined && this.#expectedBytes !== this.bytes) {
      this.sizeMismatch = new AnnouncedSizeMismatchError(this.#expectedBytes, this.bytes);
      callback(this.sizeMismatch);
      return;
    }
    this.verified = true;
    callback(null, this.#held);
  }
}
