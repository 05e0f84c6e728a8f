import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  GetBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  type ServerSideEncryption,
  type StorageClass as S3StorageClass,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import type { S3Settings, S3WriteSettings } from '../config/settings.js';
import type { StorageClass } from '../config/variables/s3-writes.js';
import {
  ObjectNotFoundError,
  PreconditionFailedError,
  type ObjectStore,
  type PutOptions,
  type StoredObjectHead,
  type StoredObjectInfo,
  type StoredObjectStream,
} from './object-store.js';

export function createS3Client(settings: S3Settings): S3Client {
  const config: S3ClientConfig = {
    forcePathStyle: settings.forcePathStyle,
    maxAttempts: settings.maxAttempts,
    // Unset: the SDK's own chain (AWS_REGION, profile). S3-compatible stores rarely care about
    // the region, but the SDK needs one to sign, so they get us-east-1 unless one is configured.
    region: settings.region || (settings.endpoint ? 'us-east-1' : undefined),
  };
  // Without these a store that accepts connections but never answers hangs every command.
  // (The SDK builds its NodeHttpHandler from these options.)
  config.requestHandler = {
    connectionTimeout: settings.connectTimeoutMs ?? 5_000,
    requestTimeout: settings.requestTimeoutMs ?? 120_000,
    throwOnRequestTimeout: true,
    socketTimeout: settings.socketTimeoutMs ?? 30_000,
  };
  if (settings.endpoint) config.endpoint = settings.endpoint;
  // Explicit credentials, or none here: the SDK's default provider chain (env, profile, web
  // identity, container and instance roles), resolved by the SDK on the first request.
  if (settings.accessKeyId) {
    config.credentials = {
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
      ...(settings.sessionToken ? { sessionToken: settings.sessionToken } : {}),
    };
  }
  return new S3Client(config);
}

/**
 * Asked for on every write of the store (PutObject and multipart uploads alike): server-side
 * encryption and storage class. Unset fields send no header, so the bucket's defaults apply.
 */
export interface S3WriteOptions {
  readonly serverSideEncryption?: 'AES256' | 'aws:kms';
  /** With `aws:kms` only; absent: the account's default KMS key for S3. */
  readonly kmsKeyId?: string;
  readonly storageClass?: StorageClass;
}

export function s3WriteOptions(settings: S3WriteSettings): S3WriteOptions {
  return {
    ...(settings.serverSideEncryption === 'aes256' ? { serverSideEncryption: 'AES256' as const } : {}),
    ...(settings.serverSideEncryption === 'aws:kms' ? { serverSideEncryption: 'aws:kms' as const, ...(settings.kmsKeyId ? { kmsKeyId: settings.kmsKeyId } : {}) } : {}),
    ...(settings.storageClass ? { storageClass: settings.storageClass } : {}),
  };
}

/** Multipart part size for streamed uploads: memory per upload is about partSize x queueSize. */
const PART_SIZE = 8 * 1024 * 1024;
const PART_QUEUE = 2;

export class S3ObjectStore implements ObjectStore {
  readonly #client: S3Client;
  readonly #writeParams: { ServerSideEncryption?: ServerSideEncryption; SSEKMSKeyId?: string; StorageClass?: S3StorageClass };
  readonly bucket: string;

  constructor(client: S3Client, bucket: string, writeOptions: S3WriteOptions = {}) {
    this.#client = client;
    this.bucket = bucket;
    this.#writeParams = {
      ...(writeOptions.serverSideEncryption ? { ServerSideEncryption: writeOptions.serverSideEncryption } : {}),
      ...(writeOptions.kmsKeyId ? { SSEKMSKeyId: writeOptions.kmsKeyId } : {}),
      ...(writeOptions.storageClass ? { StorageClass: writeOptions.storageClass } : {}),
    };
  }

  async bucketVersioning(): Promise<'Enabled' | 'Suspended' | 'Off'> {
    const answer = await this.#client.send(new GetBucketVersioningCommand({ Bucket: this.bucket }));
    return answer.Status === 'Enabled' || answer.Status === 'Suspended' ? answer.Status : 'Off';
  }

  async put(key: string, body: Buffer, options: PutOptions = {}): Promise<void> {
    const condition = options.condition;
    const sha256 = options.sha256;
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: key,
      Body: body,
      ContentLength: body.length,
      ContentType: options.contentType,
      Metadata: options.metadata,
      ...this.#writeParams,
      IfNoneMatch: condition?.kind === 'absent' ? '*' : undefined,
      IfMatch: condition?.kind === 'matches' ? condition.etag : undefined,
      // Given, the SDK computes no checksum of its own (CRC32 by default) and S3 checks this one.
      ...(sha256 ? { ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64') } : {}),
    });
    if (sha256) {
      // Signature V4 signs a Buffer body with its sha256, which the SDK computes unless the request
      // carries it already in `x-amz-content-sha256` (@smithy/signature-v4 getPayloadHash): one
      // hash fewer per object, and S3 refuses bytes that do not match it (XAmzContentSHA256Mismatch).
      command.middlewareStack.add(
        (next) => async (args) => {
          const request = args.request as { headers?: Record<string, string> };
          if (request.headers) request.headers['x-amz-content-sha256'] = sha256;
          return next(args);
        },
        { step: 'build', name: 'streamvaultKnownPayloadHash' },
      );
    }
    try {
      await this.#client.send(command);
    } catch (error) {
      if (condition && isConditionFailure(error)) throw new PreconditionFailedError(this.bucket, key, condition);
      throw error;
    }
  }

  async putStream(key: string, body: Readable, options: PutOptions = {}): Promise<void> {
    const upload = new Upload({
      client: this.#client,
      // lib-storage passes these to PutObject (one part) or CreateMultipartUpload (several).
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: options.contentType, Metadata: options.metadata, ...this.#writeParams },
      partSize: PART_SIZE,
      queueSize: PART_QUEUE,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async get(key: string): Promise<Buffer> {
    const stream = await this.getStream(key);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async getStream(key: string): Promise<Readable> {
    return (await this.getStreamWithMetadata(key)).body;
  }

  async getStreamWithMetadata(key: string): Promise<StoredObjectStream> {
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return { body: out.Body as Readable, metadata: out.Metadata ?? {} };
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(this.bucket, key);
      throw error;
    }
  }

  async head(key: string): Promise<StoredObjectHead | undefined> {
    try {
      const out = await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: out.ContentLength ?? 0, metadata: out.Metadata ?? {}, etag: out.ETag };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObjectInfo> {
    let token: string | undefined;
    do {
      const page = await this.#client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: 1000 }),
      );
      for (const item of page.Contents ?? []) {
        if (item.Key !== undefined) yield { key: item.Key, size: item.Size ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async bucketExists(): Promise<boolean> {
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async createBucket(): Promise<void> {
    await this.#client.send(new CreateBucketCommand({ Bucket: this.bucket }));
  }
}

/**
 * 412: the condition did not hold. 409 ConditionalRequestConflict: AWS S3's answer when another
 * conditional write of the key was in progress; both mean "someone else wrote it: read again".
 */
function isConditionFailure(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  return status === 412 || e?.name === 'PreconditionFailed' || (status === 409 && e?.name === 'ConditionalRequestConflict');
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.name === 'NoSuchBucket' || e?.$metadata?.httpStatusCode === 404;
}
