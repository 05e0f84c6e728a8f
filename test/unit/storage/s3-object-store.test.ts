import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ObjectNotFoundError, PreconditionFailedError } from '../../../src/storage/object-store.js';
import { createS3Client, s3WriteOptions, S3ObjectStore, type S3WriteOptions } from '../../../src/storage/s3-object-store.js';

const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const s3 = mockClient(client);
afterEach(() => s3.reset());

function mockWrites(): void {
  s3.on(PutObjectCommand).resolves({});
  s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
  s3.on(UploadPartCommand).callsFake(async (input: { PartNumber: number }) => ({ ETag: `"part-${input.PartNumber}"` }));
  s3.on(CompleteMultipartUploadCommand).resolves({});
}

const kms: S3WriteOptions = { serverSideEncryption: 'aws:kms', kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/backup', storageClass: 'STANDARD_IA' };

describe('S3ObjectStore write options', () => {
  it('every PutObject (put, and a small putStream) carries SSE-KMS, its key and the storage class', async () => {
    mockWrites();
    const store = new S3ObjectStore(client, 'bucket', kms);
    await store.put('manifests/a.json', Buffer.from('{}'), { contentType: 'application/json' });
    await store.putStream('streams/aa/blob', Readable.from([Buffer.from('small blob')]), { metadata: { sha256: 'x' } });
    const inputs = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => [i.Key, i.ServerSideEncryption, i.SSEKMSKeyId, i.StorageClass])).toEqual([
      ['manifests/a.json', 'aws:kms', kms.kmsKeyId, 'STANDARD_IA'],
      ['streams/aa/blob', 'aws:kms', kms.kmsKeyId, 'STANDARD_IA'],
    ]);
    expect(inputs[1]?.Metadata).toEqual({ sha256: 'x' });
  });

  it('a multipart upload asks for them when it is created (parts inherit them)', async () => {
    mockWrites();
    const store = new S3ObjectStore(client, 'bucket', { serverSideEncryption: 'AES256', storageClass: 'INTELLIGENT_TIERING' });
    const big = Buffer.alloc(9 * 1024 * 1024, 7);
    await store.putStream('streams/bb/big', Readable.from([big.subarray(0, 5_000_000), big.subarray(5_000_000)]));
    const created = s3.commandCalls(CreateMultipartUploadCommand).map((c) => c.args[0].input);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ Key: 'streams/bb/big', ServerSideEncryption: 'AES256', StorageClass: 'INTELLIGENT_TIERING' });
    expect(created[0]?.SSEKMSKeyId).toBeUndefined();
    const parts = s3.commandCalls(UploadPartCommand).map((c) => (c.args[0].input.Body as Buffer).length);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(big.length);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('without options no header is sent: the bucket\'s own defaults apply', async () => {
    mockWrites();
    await new S3ObjectStore(client, 'bucket').put('k', Buffer.from('v'));
    const input = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect([input.ServerSideEncryption, input.SSEKMSKeyId, input.StorageClass]).toEqual([undefined, undefined, undefined]);
  });
});

/** An error as the SDK throws it for an answer with `status` and error code `name`. */
function answer(name: string, status: number): S3ServiceException {
  return new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message: name });
}

describe('S3ObjectStore answers', () => {
  it('reads an object whole with its metadata', async () => {
    s3.on(GetObjectCommand, { Bucket: 'bucket', Key: 'k' }).resolves({ Body: Readable.from([Buffer.from('ab'), Buffer.from('cd')]) as never, Metadata: { sha256: 'x' } });
    const store = new S3ObjectStore(client, 'bucket');
    expect((await store.get('k')).toString()).toBe('abcd');
  });

  it('turns NoSuchKey into ObjectNotFoundError naming bucket and key; other errors pass unchanged', async () => {
    s3.on(GetObjectCommand, { Key: 'gone' }).rejects(new NoSuchKey({ $metadata: { httpStatusCode: 404 }, message: 'NoSuchKey' }));
    const slowDown = answer('SlowDown', 503);
    s3.on(GetObjectCommand, { Key: 'busy' }).rejects(slowDown);
    const store = new S3ObjectStore(client, 'bucket');
    const missing = await store.get('gone').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ObjectNotFoundError);
    expect(missing).toMatchObject({ code: 'S3_OBJECT_MISSING', message: 'object s3://bucket/gone does not exist' });
    await expect(store.get('busy')).rejects.toBe(slowDown);
  });

  it('heads an object as size, metadata and ETag, and a 404 as undefined', async () => {
    s3.on(HeadObjectCommand, { Key: 'here' }).resolves({ ContentLength: 12, Metadata: { a: 'b' }, ETag: '"e"' });
    s3.on(HeadObjectCommand, { Key: 'gone' }).rejects(answer('NotFound', 404));
    s3.on(HeadObjectCommand, { Key: 'denied' }).rejects(answer('Forbidden', 403));
    const store = new S3ObjectStore(client, 'bucket');
    expect(await store.head('here')).toEqual({ size: 12, metadata: { a: 'b' }, etag: '"e"' });
    expect(await store.head('gone')).toBeUndefined();
    await expect(store.head('denied')).rejects.toMatchObject({ name: 'Forbidden' });
  });

  it('sends the write condition and turns a 412 or a conflicting conditional write into PreconditionFailedError', async () => {
    s3.on(PutObjectCommand, { Key: 'taken' }).rejects(answer('PreconditionFailed', 412));
    s3.on(PutObjectCommand, { Key: 'racing' }).rejects(answer('ConditionalRequestConflict', 409));
    s3.on(PutObjectCommand, { Key: 'free' }).resolves({});
    const store = new S3ObjectStore(client, 'bucket');
    await store.put('free', Buffer.from('x'), { condition: { kind: 'matches', etag: '"v1"' } });
    const sent = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect([sent.IfMatch, sent.IfNoneMatch, sent.ContentLength]).toEqual(['"v1"', undefined, 1]);
    const refused = await store.put('taken', Buffer.from('x'), { condition: { kind: 'absent' } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PreconditionFailedError);
    expect((refused as Error).message).toBe('conditional write of s3://bucket/taken refused (If-None-Match: *): another writer changed it');
    await expect(store.put('racing', Buffer.from('x'), { condition: { kind: 'absent' } })).rejects.toBeInstanceOf(PreconditionFailedError);
    // Without a condition a 412 is not ours to explain.
    await expect(store.put('taken', Buffer.from('x'))).rejects.toMatchObject({ name: 'PreconditionFailed' });
  });

  it('lists every page of a prefix, following the continuation token', async () => {
    s3.on(ListObjectsV2Command, { ContinuationToken: undefined }).resolves({ Contents: [{ Key: 'p/a', Size: 1 }, { Key: 'p/b', Size: 2 }], IsTruncated: true, NextContinuationToken: 't2' });
    s3.on(ListObjectsV2Command, { ContinuationToken: 't2' }).resolves({ Contents: [{ Key: 'p/c' }], IsTruncated: false });
    const store = new S3ObjectStore(client, 'bucket');
    const listed = [];
    for await (const o of store.list('p/')) listed.push(o);
    expect(listed).toEqual([{ key: 'p/a', size: 1 }, { key: 'p/b', size: 2 }, { key: 'p/c', size: 0 }]);
    expect(s3.commandCalls(ListObjectsV2Command).map((c) => [c.args[0].input.Prefix, c.args[0].input.ContinuationToken])).toEqual([['p/', undefined], ['p/', 't2']]);
  });

  it('says whether the bucket exists (404: no), and its versioning (never enabled: Off)', async () => {
    const store = new S3ObjectStore(client, 'bucket');
    s3.on(HeadBucketCommand).resolvesOnce({}).rejectsOnce(answer('NotFound', 404)).rejectsOnce(answer('Forbidden', 403));
    expect(await store.bucketExists()).toBe(true);
    expect(await store.bucketExists()).toBe(false);
    await expect(store.bucketExists()).rejects.toMatchObject({ name: 'Forbidden' });
    s3.on(GetBucketVersioningCommand).resolvesOnce({ Status: 'Suspended' }).resolvesOnce({});
    expect(await store.bucketVersioning()).toBe('Suspended');
    expect(await store.bucketVersioning()).toBe('Off');
  });
});

describe('s3WriteOptions', () => {
  it('maps the settings to what S3 takes; a KMS key only goes with SSE-KMS', () => {
    expect(s3WriteOptions({ serverSideEncryption: 'none', kmsKeyId: '', storageClass: '' })).toEqual({});
    expect(s3WriteOptions({ serverSideEncryption: 'aes256', kmsKeyId: 'ignored', storageClass: 'STANDARD_IA' })).toEqual({ serverSideEncryption: 'AES256', storageClass: 'STANDARD_IA' });
    expect(s3WriteOptions({ serverSideEncryption: 'aws:kms', kmsKeyId: '', storageClass: '' })).toEqual({ serverSideEncryption: 'aws:kms' });
    expect(s3WriteOptions({ serverSideEncryption: 'aws:kms', kmsKeyId: 'alias/k', storageClass: '' })).toEqual({ serverSideEncryption: 'aws:kms', kmsKeyId: 'alias/k' });
  });
});

describe('createS3Client', () => {
  const settings = { bucket: 'b', endpoint: '', region: '', forcePathStyle: false, accessKeyId: '', secretAccessKey: '', maxAttempts: 3 };

  it('gives an S3-compatible endpoint a region to sign with, and keeps a configured one', async () => {
    expect(await createS3Client({ ...settings, endpoint: 'http://127.0.0.1:9000' }).config.region()).toBe('us-east-1');
    expect(await createS3Client({ ...settings, endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1' }).config.region()).toBe('eu-west-1');
  });

  it('uses explicit credentials when given, the session token only when set', async () => {
    const client2 = createS3Client({ ...settings, region: 'eu-west-1', accessKeyId: 'AK', secretAccessKey: 'SK', sessionToken: 'ST' });
    expect(await client2.config.credentials()).toMatchObject({ accessKeyId: 'AK', secretAccessKey: 'SK', sessionToken: 'ST' });
    const noToken = await createS3Client({ ...settings, region: 'eu-west-1', accessKeyId: 'AK', secretAccessKey: 'SK' }).config.credentials();
    expect(noToken.sessionToken).toBeUndefined();
    expect(await createS3Client({ ...settings, region: 'eu-west-1', maxAttempts: 7 }).config.maxAttempts()).toBe(7);
  });
});

describe('S3ObjectStore.put with the body\'s sha256', () => {
  /** A real HTTP endpoint that answers every request 200 and keeps what arrived: the signed request as sent. */
  async function recordingEndpoint(): Promise<{ url: string; requests: Array<{ headers: IncomingHttpHeaders; body: Buffer }>; close(): Promise<void> }> {
    const requests: Array<{ headers: IncomingHttpHeaders; body: Buffer }> = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        requests.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(200, { ETag: '"e"' }).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }

  it('sends the given sha256 as the payload hash and as x-amz-checksum-sha256, and no checksum of the SDK\'s own', async () => {
    const endpoint = await recordingEndpoint();
    try {
      const real = new S3Client({ endpoint: endpoint.url, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
      const store = new S3ObjectStore(real, 'bucket');
      const body = Buffer.from('an events object');
      // A hash of other bytes: what arrives is what was given, not one the SDK computed (S3 would refuse it).
      const given = createHash('sha256').update('other bytes').digest('hex');
      await store.put('events/a.avro', body, { contentType: 'application/avro', sha256: given });
      await store.put('manifests/a.json', body);
      const [withHash, without] = endpoint.requests;
      expect(withHash?.body).toEqual(body);
      expect(withHash?.headers['x-amz-content-sha256']).toBe(given);
      expect(withHash?.headers['x-amz-checksum-sha256']).toBe(Buffer.from(given, 'hex').toString('base64'));
      expect(Object.keys(withHash?.headers ?? {}).filter((h) => h.startsWith('x-amz-checksum-'))).toEqual(['x-amz-checksum-sha256']);
      expect(withHash?.headers.authorization).toMatch(/SignedHeaders=[^,]*x-amz-checksum-sha256[^,]*x-amz-content-sha256/);
      // Without it the SDK hashes the body to sign it and adds a CRC32 of its own.
      expect(without?.body).toEqual(body);
      expect(without?.headers['x-amz-content-sha256']).toBe(createHash('sha256').update(body).digest('hex'));
      expect(without?.headers['x-amz-checksum-sha256']).toBeUndefined();
      expect(without?.headers['x-amz-checksum-crc32']).toBeDefined();
    } finally {
      await endpoint.close();
    }
  });
});
