import { pipeline, type Readable } from 'node:stream';
import pRetry, { AbortError } from 'p-retry';
import { renderForLog } from '../events/stream-references.js';
import { isValidStreamRef, type StreamRef } from '../refs/stream-ref.js';
import type { Logger } from '../observability/logger.js';
import type { KeyLayout } from '../storage/key-layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import { HashMismatchError, SizeMismatchError } from '../storage/sha256-stream.js';
import { Sha256Verifier } from './sha256-verifier.js';
import type { EncryptionKey } from '../config/encryption-keys.js';
import { ENCRYPTION_KEY_ID_METADATA } from '../storage/encryption.js';
import { CONTENT_SIZE_METADATA, encodeStream, encodingMetadata, encodingSteps, type StreamCompression } from './stream-encoding.js';
import { StreamSourceError, type StreamSource } from './stream-source.js';
import { StreamvaultError } from '../errors/streamvault-error.js';

export type CopyOutcome =
  | { kind: 'stored'; bytes: number; attempts: number }
  | { kind: 'deduped' }
  | { kind: 'missing'; reason: string }
  | { kind: 'failed'; reason: string }
  /**
   * The backup bucket did not take the copy (unreachable, 5xx, throttled, a stalled upload): not
   * the stream's fault. The reference stays pending; the pool waits and tries again.
   */
  | { kind: 'destination-unavailable'; reason: string }
  /** Stopped by the caller (shutdown past its grace): the reference stays journaled. */
  | { kind: 'aborted' };

export interface StreamCopierOptions {
  readonly store: ObjectStore;
  readonly layout: KeyLayout;
  readonly source: StreamSource;
  readonly logger: Logger;
  /** Further attempts after the first; default 4. */
  readonly retries: number;
  /** Milliseconds before the first retry; doubled (randomized) each time, at most 60 s. */
  readonly minRetryDelayMs: number;
  /** Milliseconds without a response or a byte before an attempt is abandoned. */
  readonly idleTimeoutMs: number;
  /** How the stored bytes are compressed (STREAMVAULT_STREAM_COMPRESSION); default `none`. */
  readonly compression?: StreamCompression;
  /** Client-side encryption (STREAMVAULT_ENCRYPTION_KEY): sealed after compression, `aes256gcm` ends the encoding list. */
  readonly encryption?: EncryptionKey;
}

export class StreamTimeoutError extends StreamvaultError {
  constructor(ms: number) {
    super(`expected bytes from the stream source at least every ${ms} ms, got none for ${ms} ms`, { code: 'STREAM_TIMEOUT' });
    this.name = 'StreamTimeoutError';
  }
}

/** A call to the backup bucket (HEAD for dedup, the upload) failed: the destination, not the source. */
export class DestinationError extends StreamvaultError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { code: 'STREAM_DESTINATION_FAILED', cause: options?.cause });
    this.name = 'DestinationError';
  }
}

/**
 * Copies one blob from the source into `{prefix}streams/{sha[0:2]}/{sha}`, once: skipped when the
 * object already exists with its sha256 metadata (dedup across restarts and replicas), streamed through a sha256 check
 * that keeps non-matching content out of that key (see Sha256Verifier), retried with backoff and
 * jitter on transient errors. Never throws: the outcome says what happened.
 */
export class StreamCopier {
  readonly #options: StreamCopierOptions;

  constructor(options: StreamCopierOptions) {
    this.#options = options;
  }

  async copy(ref: StreamRef, signal: AbortSignal): Promise<CopyOutcome> {
    if (!isValidStreamRef(ref)) {
      // Second defense: references are validated when extracted and when journaled.
      return { kind: 'failed', reason: `expected a valid reference, got sha256 ${renderForLog(ref.sha256)}` };
    }
    const { store, layout, retries, minRetryDelayMs, logger } = this.#options;
    const key = layout.streamKey(ref.sha256);
    let attempts = 0;
    try {
      return await pRetry(
        async () => {
          attempts += 1;
          let stored: Awaited<ReturnType<ObjectStore['head']>>;
          try {
            stored = await store.head(key);
          } catch (error) {
            throw new DestinationError(`HEAD ${key} on the backup bucket ${store.bucket}: ${describeError(error)}`, { cause: error });
          }
          // Every copy writes its sha256 as metadata with the object. An object without it is not
          // one of ours: a foreign write, or a write an S3 server that is not atomic (s3rver) shows
          // while it is still in progress or after its writer was killed. It is copied over.
          if (stored?.metadata.sha256 === ref.sha256) return { kind: 'deduped' } as const;
          if (stored) logger.warn({ sha256: ref.sha256, key, size: stored.size }, 'an object without its sha256 metadata is at the stream key; copying the stream over it');
          try {
            return await this.#attempt(ref, key, signal, attempts, true);
          } catch (error) {
            if (!(error instanceof SizeMismatchError)) throw error;
            // The content is right (its hash matched), the source's size header was not: copy it
            // again at once, recording no size (that attempt logs the difference). Not a failure,
            // and whatever the retry budget.
            return await this.#attempt(ref, key, signal, attempts, false);
          }
        },
        {
          retries,
          factor: 2,
          minTimeout: minRetryDelayMs,
          maxTimeout: 60_000,
          randomize: true,
          signal,
          shouldRetry: ({ error }) => isRetriable(error),
          onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
            if (retriesLeft > 0 && isRetriable(error)) {
              logger.warn({ sha256: ref.sha256, attempt: attemptNumber, retriesLeft, err: error.message }, 'stream copy attempt failed; retrying');
            }
          },
        },
      );
    } catch (error) {
      if (signal.aborted) return { kind: 'aborted' };
      if (error instanceof DestinationError) return { kind: 'destination-unavailable', reason: error.message };
      const reason = (error as Error).message || String(error);
      return { kind: 'failed', reason: attempts > 1 ? `${reason} (after ${attempts} attempts)` : reason };
    }
  }

  async #attempt(ref: StreamRef, key: string, outer: AbortSignal, attempt: number, trustAnnouncedSize: boolean): Promise<CopyOutcome> {
    const { store, source, idleTimeoutMs } = this.#options;
    const encryption = this.#options.encryption;
    const steps = encodingSteps(this.#options.compression ?? 'none', encryption !== undefined);
    const controller = new AbortController();
    const forward = () => controller.abort(outer.reason);
    outer.addEventListener('abort', forward, { once: true });
    let timer: NodeJS.Timeout | undefined;
    let uploadBody: Readable | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        // Bytes waiting in the upload's body that nobody reads: the upload stalled, not the source.
        const stalledUpload = uploadBody !== undefined && uploadBody.readableLength >= uploadBody.readableHighWaterMark;
        controller.abort(
          stalledUpload
            ? new DestinationError(`upload of ${key} to the backup bucket ${store.bucket} took no bytes for ${idleTimeoutMs} ms`)
            : new StreamTimeoutError(idleTimeoutMs),
        );
      }, idleTimeoutMs);
    };
    arm();
    try {
      const opened = await raceAbort(source.open(ref, controller.signal), controller.signal);
      if (opened.kind === 'missing') return { kind: 'missing', reason: opened.detail };

      const body = opened.body;
      // Compressed objects record the content's size for `stats` (their stored size is another):
      // known before the upload only when the source announced it, and then checked like the hash.
      const contentSize = steps.length > 0 && trustAnnouncedSize ? opened.size : undefined;
      const verifier = new Sha256Verifier(ref.sha256, arm, contentSize);
      // pipeline() passes an error on to the other side, so only the first one says where it began.
      let firstFailure: { side: 'source' | 'upload'; error: Error } | undefined;
      body.once('error', (error: Error) => {
        firstFailure ??= { side: 'source', error };
      });
      verifier.once('error', (error: Error) => {
        firstFailure ??= { side: 'upload', error };
      });
      const destroyBody = () => body.destroy(controller.signal.reason as Error);
      controller.signal.addEventListener('abort', destroyBody, { once: true });
      // The callback form: an error on either side destroys both, so a failed upload frees the
      // source connection and a failed download fails the upload.
      pipeline(body, verifier, () => {});
      // The sha256 is checked on the content, before compression: the encoder's last bytes only
      // come after the verifier's end, which it withholds until the digest matched.
      uploadBody = encodeStream(verifier, steps, encryption);
      const options = {
        contentType: 'application/octet-stream',
        metadata: {
          sha256: ref.sha256,
          ...encodingMetadata(steps),
          ...(encryption ? { [ENCRYPTION_KEY_ID_METADATA]: encryption.id } : {}),
          ...(contentSize === undefined ? {} : { [CONTENT_SIZE_METADATA]: String(contentSize) }),
          // Restore learns every (source, label) from the manifests; this is for people browsing.
          'first-source': encodeURIComponent(ref.source),
          'first-label': encodeURIComponent(ref.label),
        },
      };
      // Stored as it arrives (no compression, no encryption) and announced at most one part: the
      // stored bytes are the content, so their sha256 is the reference's.
      const whole = steps.length === 0 && trustAnnouncedSize && opened.size !== undefined && opened.size <= WHOLE_COPY_MAX_BYTES;
      try {
        if (whole) {
          const content = await readVerified(uploadBody, opened.size!);
          // The source is done; the PutObject is bounded by the S3 client's own timeouts.
          clearTimeout(timer);
          await store.put(key, content, { ...options, sha256: ref.sha256 });
        } else {
          await store.putStream(key, uploadBody, options);
        }
      } catch (error) {
        if (verifier.mismatch) throw new AbortError(verifier.mismatch);
        if (verifier.sizeMismatch) throw verifier.sizeMismatch;
        if (error instanceof SizeMismatchError) throw error; // readVerified: more than announced
        if (controller.signal.aborted) throw controller.signal.reason;
        // The body failed first (a reset mid-download): the source's error, retried as such.
        if (firstFailure?.side === 'source') {
          throw new StreamSourceError(`reading the stream from the ${source.kind} source: ${describeError(firstFailure.error)}`, true, { cause: firstFailure.error });
        }
        throw new DestinationError(`upload of ${key} to the backup bucket ${store.bucket}: ${describeError(error)}`, { cause: error });
      } finally {
        controller.signal.removeEventListener('abort', destroyBody);
        body.destroy();
        uploadBody.destroy();
      }
      if (!verifier.verified) {
        // Unreachable with an uploader that reads to the end; if one did not, take the object back.
        await store.delete(key).catch(() => {});
        throw new AbortError(`upload of ${ref.sha256} completed before its content was verified; removed`);
      }
      if (opened.size !== undefined && opened.size !== verifier.bytes) {
        // The hash matched, so the content is right; the source's header was wrong. Worth a note only.
        this.#options.logger.warn({ sha256: ref.sha256, announced: opened.size, received: verifier.bytes }, 'stream size differs from Content-Length');
      }
      return { kind: 'stored', bytes: verifier.bytes, attempts: attempt };
    } finally {
      clearTimeout(timer);
      outer.removeEventListener('abort', forward);
    }
  }
}

/**
 * Blobs announced at most this size are held whole once verified and stored in one PutObject
 * that carries their sha256: S3 checks the bytes against it, and the S3 client does not hash
 * them twice more (to sign the request, and for a CRC32 of its own) as it does for a body it
 * is not told the hash of. The size is putStream's part size, which holds such a blob whole too
 * (README, Memory).
 */
export const WHOLE_COPY_MAX_BYTES = 8 * 1024 * 1024;

/**
 * The whole of `body`, which announced `announced` bytes. The sha256 verifier withholds its last
 * bytes until the digest matched, so an end here is verified content. More bytes than announced
 * stop the read (memory stays bounded): SizeMismatchError, which the copy answers with another
 * attempt that trusts no announced size.
 */
async function readVerified(body: Readable, announced: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    bytes += (chunk as Buffer).length;
    if (bytes > announced) throw new SizeMismatchError(announced, bytes, ' or more (the source announced fewer)');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, bytes);
}

function describeError(error: unknown): string {
  const e = error as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  return [e?.name, e?.code, status === undefined ? undefined : `HTTP ${status}`, e?.message].filter(Boolean).join(': ') || String(error);
}

function isRetriable(error: unknown): boolean {
  if (error instanceof HashMismatchError) return false;
  // The pool waits a destination outage out for every stream at once; no per-stream retries.
  if (error instanceof DestinationError) return false;
  if (error instanceof StreamSourceError) return error.retriable;
  return true;
}

function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted && typeof (value as { body?: { destroy?: () => void } }).body?.destroy === 'function') {
          (value as { body: { destroy: () => void } }).body.destroy();
        }
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
