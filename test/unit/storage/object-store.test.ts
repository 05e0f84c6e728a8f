import { describe, expect, it } from 'vitest';
import { getIfExists, getStreamIfExists, ObjectNotFoundError, PreconditionFailedError } from '../../../src/storage/object-store.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

describe('object store errors', () => {
  it('a missing object names its bucket and key, with its code', () => {
    const error = new ObjectNotFoundError('b', 'events/x.avro');
    expect([error.name, error.code, error.message]).toEqual(['ObjectNotFoundError', 'S3_OBJECT_MISSING', 'object s3://b/events/x.avro does not exist']);
  });

  it('a refused conditional write says which condition did not hold', () => {
    expect(new PreconditionFailedError('b', 'k', { kind: 'absent' }).message).toBe('conditional write of s3://b/k refused (If-None-Match: *): another writer changed it');
    const matches = new PreconditionFailedError('b', 'k', { kind: 'matches', etag: '"abc"' });
    expect([matches.code, matches.message]).toEqual(['S3_PRECONDITION_FAILED', 'conditional write of s3://b/k refused (If-Match: "abc"): another writer changed it']);
  });
});

describe('getStreamIfExists', () => {
  it('opens an object, is undefined for a missing one, and lets other errors through', async () => {
    const store = new MemoryObjectStore();
    await store.put('k', Buffer.from('bytes'));
    const chunks: Buffer[] = [];
    for await (const c of (await getStreamIfExists(store, 'k'))!) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('bytes');
    expect(await getStreamIfExists(store, 'missing')).toBeUndefined();
    store.failNext = () => new Error('connect ECONNREFUSED');
    await expect(getStreamIfExists(store, 'k')).rejects.toThrow('connect ECONNREFUSED');
  });
});

describe('getIfExists', () => {
  it('reads an object whole, is undefined for a missing one, and lets other errors through', async () => {
    const store = new MemoryObjectStore();
    await store.put('k', Buffer.from('bytes'));
    expect((await getIfExists(store, 'k'))?.toString()).toBe('bytes');
    expect(await getIfExists(store, 'missing')).toBeUndefined();
    store.failNext = () => new Error('connect ECONNREFUSED');
    await expect(getIfExists(store, 'k')).rejects.toThrow('connect ECONNREFUSED');
  });
});
