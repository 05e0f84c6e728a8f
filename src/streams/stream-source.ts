import type { Readable } from 'node:stream';
import type { StreamRef } from '../refs/stream-ref.js';
import { StreamvaultError } from '../errors/streamvault-error.js';

/** What a source answered for one reference. A missing blob is an answer, not an error. */
export type OpenedStream =
  | { kind: 'found'; body: Readable; /** bytes announced by the source, when it did */ size: number | undefined }
  | { kind: 'missing'; detail: string };

/** Where blobs are copied from (the platform's HTTP API, or an S3 bucket). */
export interface StreamSource {
  /** For logs: `http` or `s3`. */
  readonly kind: string;
  /** Resolves once the body starts; aborting `signal` destroys the body. */
  open(ref: StreamRef, signal: AbortSignal): Promise<OpenedStream>;
}

/** A failed request to a source; `retriable` says whether another attempt may succeed. */
export class StreamSourceError extends StreamvaultError {
  constructor(message: string, retriable: boolean, options?: { cause?: unknown }) {
    super(message, { code: 'STREAM_SOURCE_FAILED', retriable, cause: options?.cause });
    this.name = 'StreamSourceError';
  }
}
