import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { EncryptionKeys } from '../../../src/config/encryption-keys.js';
import { DecryptingObjectStore } from '../../../src/storage/decrypting-object-store.js';
import { sealBuffer } from '../../../src/storage/encryption.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const current = { id: 'k2026', key: randomBytes(32) };
const keys: EncryptionKeys = { current, byId: new Map([[current.id, current.key]]) };

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('DecryptingObjectStore', () => {
  it('opens events objects by their header and streams by their encoding list', async () => {
    const inner = new MemoryObjectStore();
    const store = new DecryptingObjectStore(inner, keys, 'p/events/');
    const records = Buffer.from('Obj\u0001 the container bytes');
    await inner.put('p/events/a.avro', sealBuffer(current, records));
    await inner.put('p/events/plain.avro', records);
    await inner.put('p/streams/ab/ab', sealBuffer(current, Buffer.from('blob')), { metadata: { encoding: 'gzip,aes256gcm', sha256: 'ab' } });
    expect((await store.get('p/events/a.avro')).equals(records)).toBe(true);
    expect((await store.get('p/events/plain.avro')).equals(records)).toBe(true);
    const blob = await store.getStreamWithMetadata('p/streams/ab/ab');
    expect(blob.metadata).toEqual({ encoding: 'gzip', sha256: 'ab' });
    expect((await collect(blob.body)).toString()).toBe('blob');
  });

  it('forwards the inner store\'s bucket versioning, and has none when the inner has none', async () => {
    class Versioned extends MemoryObjectStore {
      bucketVersioning(): Promise<'Enabled' | 'Suspended' | 'Off'> {
        return Promise.resolve('Suspended');
      }
    }
    expect(await new DecryptingObjectStore(new Versioned(), keys, 'events/').bucketVersioning?.()).toBe('Suspended');
    expect(new DecryptingObjectStore(new MemoryObjectStore(), keys, 'events/').bucketVersioning).toBeUndefined();
  });

  it('hands other objects over as stored, metadata and bytes, sealed-looking or not', async () => {
    const inner = new MemoryObjectStore();
    const store = new DecryptingObjectStore(inner, keys, 'p/events/');
    const sealed = sealBuffer(current, Buffer.from('not under events/'));
    await inner.put('p/manifests/m.json', sealed, { metadata: { a: '1' } });
    expect((await store.get('p/manifests/m.json')).equals(sealed)).toBe(true);
    const stream = await store.getStreamWithMetadata('p/manifests/m.json');
    expect(stream.metadata).toEqual({ a: '1' });
    expect((await collect(stream.body)).equals(sealed)).toBe(true);
  });

  it('drops the encoding metadata of a stream that was only encrypted', async () => {
    const inner = new MemoryObjectStore();
    const store = new DecryptingObjectStore(inner, keys, 'p/events/');
    await inner.put('p/streams/cd/cd', sealBuffer(current, Buffer.from('raw blob')), { metadata: { encoding: 'aes256gcm', sha256: 'cd' } });
    const blob = await store.getStreamWithMetadata('p/streams/cd/cd');
    expect(blob.metadata).toEqual({ sha256: 'cd' });
    expect((await collect(blob.body)).toString()).toBe('raw blob');
  });

  it('fails the read of a stream marked encrypted whose bytes are not, naming the key', async () => {
    const inner = new MemoryObjectStore();
    const store = new DecryptingObjectStore(inner, keys, 'p/events/');
    await inner.put('p/streams/ef/ef', Buffer.from('plain bytes, not sealed'), { metadata: { encoding: 'aes256gcm' } });
    const blob = await store.getStreamWithMetadata('p/streams/ef/ef');
    await expect(collect(blob.body)).rejects.toThrow(/p\/streams\/ef\/ef/);
  });

  it('passes writes, heads, lists and deletes to the inner store unchanged', async () => {
    const inner = new MemoryObjectStore();
    const store = new DecryptingObjectStore(inner, keys, 'p/events/');
    await store.put('p/events/a.avro', Buffer.from('written as given'));
    await store.putStream('p/streams/x', Readable.from([Buffer.from('streamed')]));
    expect(inner.objects.get('p/events/a.avro')!.body.toString()).toBe('written as given');
    expect(await store.head('p/streams/x')).toMatchObject({ size: 8 });
    const listed = [];
    for await (const o of store.list('p/')) listed.push(o.key);
    expect(listed).toEqual(['p/events/a.avro', 'p/streams/x']);
    await store.delete('p/streams/x');
    expect(inner.objects.has('p/streams/x')).toBe(false);
    expect(store.bucket).toBe(inner.bucket);
  });
});
