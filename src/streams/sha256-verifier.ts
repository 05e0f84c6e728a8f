import { Sha256Stream } from '../storage/sha256-stream.js';

/**
 * Passes bytes through while hashing them, and HOLDS BACK THE LAST CHUNK until the whole content
 * has been hashed and matches `expected`. On a mismatch the stream ends in an error instead
 * (HashMismatchError, or SizeMismatchError for right content of another length than announced), so
 * the consumer (the S3 upload) never receives the complete content nor its end: neither
 * PutObject (sent only after the end for small bodies) nor CompleteMultipartUpload is issued, and
 * even an uploader that committed on the byte count alone would be a chunk short.
 */
export class Sha256Verifier extends Sha256Stream {
  readonly expected: string;

  /**
   * `expectedBytes`: the upload records this size in its metadata, so a content of another
   * length (right hash, wrong announced size) must not complete it either.
   */
  constructor(expected: string, onProgress?: () => void, expectedBytes?: number) {
    super({
      expectedSha256: expected,
      ...(expectedBytes === undefined ? {} : { expectedBytes }),
      ...(onProgress ? { onChunk: () => onProgress() } : {}),
      withholdLastChunk: true,
      hashMismatchNote: '; not stored',
      sizeMismatchNote: ' (the size its source announced); not stored with the announced size',
    });
    this.expected = expected;
  }
}
