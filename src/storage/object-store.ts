import type { Readable } from 'node:stream';
import { StreamvaultError } from '../errors/streamvault-error.js';

export interface StoredObjectInfo {
  readonly key: string;
  readonly size: number;
}

/**
 * A conditional write: `absent` sends `If-None-Match: *` (create only), `matches` sends
 * `If-Match: <etag>` (replace only the version that was read). A store that enforces it answers
 * 412 when the condition does not hold: `put` then throws PreconditionFailedError.
 */
export type WriteCondition = { readonly kind: 'absent' } | { readonly kind: 'matches'; readonly etag: string };

export interface PutOptions {
  readonly contentType?: string;
  readonly metadata?: Record<string, string>;
  readonly condition?: WriteCondition;
  /**
   * `put` only: the sha256 of `body` in hex, when the caller has it already. The store checks the
   * bytes it receives against it (S3: the request's payload hash and `x-amz-checksum-sha256`,
   * refused with a 400 when they differ), and the client does not hash them again to sign.
   */
  readonly sha256?: string;
}

export interface StoredObjectHead {
  readonly size: number;
  readonly metadata: Record<string, string>;
  /** The version's ETag, for a conditional rewrite (`{ kind: 'matches', etag }`). */
  readonly etag?: string;
}

export interface StoredObjectStream {
  readonly body: Readable;
  readonly metadata: Record<string, string>;
}

/**
 * The few operations streamvault needs from an object store. S3 implements it for real; tests
 * can wrap it to inject faults. Keys are always built by key-layout.ts.
 */
export interface ObjectStore {
  readonly bucket: string;
  put(key: string, body: Buffer, options?: PutOptions): Promise<void>;
  /** Streams `body` without holding it in memory (multipart for large bodies). */
  putStream(key: string, body: Readable, options?: PutOptions): Promise<void>;
  get(key: string): Promise<Buffer>;
  getStream(key: string): Promise<Readable>;
  /** `getStream` with the object's user metadata, from the same GET (a stream object's encoding). */
  getStreamWithMetadata(key: string): Promise<StoredObjectStream>;
  /** `undefined` when the key does not exist. */
  head(key: string): Promise<StoredObjectHead | undefined>;
  list(prefix: string): AsyncIterable<StoredObjectInfo>;
  delete(key: string): Promise<void>;
  bucketExists(): Promise<boolean>;
  createBucket(): Promise<void>;
  /**
   * The bucket's versioning status (GetBucketVersioning): `Enabled`, `Suspended`, or `Off` (never
   * enabled). Optional: stores without the notion (tests' in-memory ones) leave it out.
   */
  bucketVersioning?(): Promise<'Enabled' | 'Suspended' | 'Off'>;
}

export class ObjectNotFoundError extends StreamvaultError {
  constructor(readonly bucket: string, readonly key: string) {
    super(`object s3://${bucket}/${key} does not exist`, { code: 'S3_OBJECT_MISSING' });
    this.name = 'ObjectNotFoundError';
  }
}

/** The store refused a conditional write: someone else wrote (or deleted) the key since it was read. */
export class PreconditionFailedError extends StreamvaultError {
  constructor(readonly bucket: string, readonly key: string, readonly condition: WriteCondition) {
    super(
      `conditional write of s3://${bucket}/${key} refused (${condition.kind === 'absent' ? 'If-None-Match: *' : `If-Match: ${condition.etag}`}): another writer changed it`,
      { code: 'S3_PRECONDITION_FAILED' },
    );
    this.name = 'PreconditionFailedError';
  }
}

/** The whole object at `key`, or `undefined` when it does not exist; other errors propagate. */
export async function getIfExists(store: ObjectStore, key: string): Promise<Buffer | undefined> {
  try {
    return await store.get(key);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
}

/** Opens `key` for streaming, or `undefined` when it does not exist; other errors propagate. */
export async function getStreamIfExists(store: ObjectStore, key: string): Promise<Readable | undefined> {
  try {
    return await store.getStream(key);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
}
