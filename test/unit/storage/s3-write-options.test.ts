import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { S3ObjectStore, type S3WriteOptions } from '../../../src/storage/s3-object-store.js';

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
