import { pipeline, type Readable } from 'node:stream';
import type { EncryptionKeys } from '../config/encryption-keys.js';
import { createOpenStream } from './encryption.js';
import type { ObjectStore, PutOptions, StoredObjectHead, StoredObjectInfo, StoredObjectStream } from './object-store.js';

/** The step a sealed stream object's `encoding` metadata ends with (stream-encoding.ts). */
export const ENCRYPTION_ENCODING_STEP = 'aes256gcm';

/**
 * The backup store as every command reads it: events objects (under `eventsPrefix`) and stream
 * objects come back decrypted, so restore, verify, drill, get and stats read plaintext without
 * knowing about keys. Events objects are recognised by their header (encryption.ts), so a bucket may
 * mix sealed and plain ones; a stream object is sealed when its `encoding` metadata ends with
 * `aes256gcm`, which is taken off the metadata handed on. Writes pass through: BatchWriter and
 * StreamCopier seal what they write.
 */
export class DecryptingObjectStore implements ObjectStore {
  /** The inner store's optional GetBucketVersioning (prune's versioning warning), forwarded when it has one. */
  readonly bucketVersioning?: () => Promise<'Enabled' | 'Suspended' | 'Off'>;

  constructor(
    private readonly inner: ObjectStore,
    private readonly keys: EncryptionKeys,
    private readonly eventsPrefix: string,
  ) {
    const versioned = inner as { bucketVersioning?: () => Promise<'Enabled' | 'Suspended' | 'Off'> };
    if (typeof versioned.bucketVersioning === 'function') this.bucketVersioning = () => versioned.bucketVersioning!.call(inner);
  }

  get bucket(): string {
    return this.inner.bucket;
  }

  put(key: string, body: Buffer, options?: PutOptions): Promise<void> {
    return this.inner.put(key, body, options);
  }

  putStream(key: string, body: Readable, options?: PutOptions): Promise<void> {
    return this.inner.putStream(key, body, options);
  }

  async get(key: string): Promise<Buffer> {
    if (!key.startsWith(this.eventsPrefix)) return this.inner.get(key);
    const chunks: Buffer[] = [];
    for await (const chunk of await this.getStream(key)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async getStream(key: string): Promise<Readable> {
    return (await this.getStreamWithMetadata(key)).body;
  }

  async getStreamWithMetadata(key: string): Promise<StoredObjectStream> {
    const stored = await this.inner.getStreamWithMetadata(key);
    const steps = (stored.metadata.encoding ?? '').split(',').map((s) => s.trim());
    if (steps.at(-1) === ENCRYPTION_ENCODING_STEP) {
      const rest = steps.slice(0, -1).join(',');
      const metadata = { ...stored.metadata };
      if (rest === '') delete metadata.encoding;
      else metadata.encoding = rest;
      return { body: opened(stored.body, createOpenStream(this.keys, key, 'sealed')), metadata };
    }
    if (key.startsWith(this.eventsPrefix)) return { body: opened(stored.body, createOpenStream(this.keys, key, 'ifSealed')), metadata: stored.metadata };
    return stored;
  }

  head(key: string): Promise<StoredObjectHead | undefined> {
    return this.inner.head(key);
  }

  list(prefix: string): AsyncIterable<StoredObjectInfo> {
    return this.inner.list(prefix);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  bucketExists(): Promise<boolean> {
    return this.inner.bucketExists();
  }

  createBucket(): Promise<void> {
    return this.inner.createBucket();
  }
}

function opened(body: Readable, open: ReturnType<typeof createOpenStream>): Readable {
  pipeline(body, open, (error) => {
    if (error && !open.destroyed) open.destroy(error);
  });
  return open;
}
