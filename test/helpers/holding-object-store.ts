import type { Readable } from 'node:stream';
import type { ObjectStore, PutOptions, StoredObjectHead, StoredObjectInfo, StoredObjectStream } from '../../src/storage/object-store.js';

export interface HeldPut {
  /** Resolves when the put of the held key reached the wrapper (its request is "in flight"). */
  readonly arrived: Promise<void>;
  /** Sends the held put on to the store; resolves with its outcome. */
  release(): Promise<void>;
}

/**
 * An ObjectStore that holds the next put of a chosen key until released: a deterministic way to
 * keep one writer's PUT in flight while another writer goes ahead. Everything else passes through.
 */
export class HoldingObjectStore implements ObjectStore {
  readonly #inner: ObjectStore;
  readonly #holds = new Map<string, { arrive: () => void; gate: Promise<void>; outcome: Promise<void> | undefined }>();

  constructor(inner: ObjectStore) {
    this.#inner = inner;
  }

  get bucket(): string {
    return this.#inner.bucket;
  }

  holdNextPut(key: string): HeldPut {
    let arrive!: () => void;
    let open!: () => void;
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    const gate = new Promise<void>((resolve) => (open = resolve));
    const hold = { arrive, gate, outcome: undefined as Promise<void> | undefined };
    this.#holds.set(key, hold);
    return {
      arrived,
      release: async () => {
        open();
        await arrived;
        await hold.outcome?.catch(() => {});
      },
    };
  }

  async put(key: string, body: Buffer, options?: PutOptions): Promise<void> {
    const hold = this.#holds.get(key);
    if (!hold) return this.#inner.put(key, body, options);
    this.#holds.delete(key);
    hold.outcome = hold.gate.then(() => this.#inner.put(key, body, options));
    hold.arrive();
    return hold.outcome;
  }

  putStream(key: string, body: Readable, options?: PutOptions): Promise<void> {
    return this.#inner.putStream(key, body, options);
  }
  get(key: string): Promise<Buffer> {
    return this.#inner.get(key);
  }
  getStream(key: string): Promise<Readable> {
    return this.#inner.getStream(key);
  }
  getStreamWithMetadata(key: string): Promise<StoredObjectStream> {
    return this.#inner.getStreamWithMetadata(key);
  }
  head(key: string): Promise<StoredObjectHead | undefined> {
    return this.#inner.head(key);
  }
  list(prefix: string): AsyncIterable<StoredObjectInfo> {
    return this.#inner.list(prefix);
  }
  delete(key: string): Promise<void> {
    return this.#inner.delete(key);
  }
  bucketExists(): Promise<boolean> {
    return this.#inner.bucketExists();
  }
  createBucket(): Promise<void> {
    return this.#inner.createBucket();
  }
}
