import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import {
  ObjectNotFoundError,
  PreconditionFailedError,
  type ObjectStore,
  type PutOptions,
  type StoredObjectHead,
  type StoredObjectInfo,
  type StoredObjectStream,
} from '../../src/storage/object-store.js';

/** An ObjectStore in memory, recording every call in order, for unit tests. Enforces conditional writes like S3. */
export class MemoryObjectStore implements ObjectStore {
  readonly bucket = 'memory';
  readonly objects = new Map<string, { body: Buffer; options: PutOptions }>();
  readonly calls: Array<{ op: string; key: string }> = [];
  /** Whether the bucket exists (ensure-bucket's missing-bucket paths); createBucket makes it exist. */
  bucketPresent = true;
  /** Makes the next matching call fail (fault injection). */
  failNext: ((op: string, key: string) => Error | undefined) | undefined;

  #check(op: string, key: string): void {
    this.calls.push({ op, key });
    const error = this.failNext?.(op, key);
    if (error) {
      this.failNext = undefined;
      throw error;
    }
  }

  async put(key: string, body: Buffer, options: PutOptions = {}): Promise<void> {
    this.#check('put', key);
    const existing = this.objects.get(key);
    const condition = options.condition;
    if (condition?.kind === 'absent' && existing) throw new PreconditionFailedError(this.bucket, key, condition);
    if (condition?.kind === 'matches' && (!existing || etagOf(existing.body) !== condition.etag)) {
      throw new PreconditionFailedError(this.bucket, key, condition);
    }
    // As S3 does with the payload hash and x-amz-checksum-sha256: a 400, nothing stored.
    if (options.sha256 !== undefined && createHash('sha256').update(body).digest('hex') !== options.sha256) {
      throw Object.assign(new Error(`BadDigest: the body of ${key} does not match the sha256 it was sent with (${options.sha256})`), { name: 'BadDigest', $metadata: { httpStatusCode: 400 } });
    }
    this.objects.set(key, { body: Buffer.from(body), options });
  }

  async putStream(key: string, body: Readable, options: PutOptions = {}): Promise<void> {
    this.#check('putStream', key);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    this.objects.set(key, { body: Buffer.concat(chunks), options });
  }

  async get(key: string): Promise<Buffer> {
    this.#check('get', key);
    const object = this.objects.get(key);
    if (!object) throw new ObjectNotFoundError(this.bucket, key);
    return object.body;
  }

  async getStream(key: string): Promise<Readable> {
    return Readable.from([await this.get(key)]);
  }

  async getStreamWithMetadata(key: string): Promise<StoredObjectStream> {
    const body = await this.get(key);
    return { body: Readable.from([body]), metadata: this.objects.get(key)?.options.metadata ?? {} };
  }

  async head(key: string): Promise<StoredObjectHead | undefined> {
    this.#check('head', key);
    const object = this.objects.get(key);
    return object ? { size: object.body.length, metadata: object.options.metadata ?? {}, etag: etagOf(object.body) } : undefined;
  }

  async *list(prefix: string): AsyncIterable<StoredObjectInfo> {
    this.#check('list', prefix);
    for (const key of [...this.objects.keys()].sort()) {
      if (key.startsWith(prefix)) yield { key, size: this.objects.get(key)!.body.length };
    }
  }

  async delete(key: string): Promise<void> {
    this.#check('delete', key);
    this.objects.delete(key);
  }

  async bucketExists(): Promise<boolean> {
    return this.bucketPresent;
  }

  async createBucket(): Promise<void> {
    this.bucketPresent = true;
  }
}

/** Like S3's ETag of a single-part upload: the quoted MD5 of the body. */
function etagOf(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}
