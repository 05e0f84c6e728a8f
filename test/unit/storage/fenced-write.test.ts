import { describe, expect, it } from 'vitest';
import { decideFencedWrite, fenceMetadata, fencedPut, storedFence } from '../../../src/storage/fenced-write.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const fence = (generation: number, group = 'sv.samples.sourced') => ({ group, generation });
const head = (metadata: Record<string, string>, etag = '"e1"') => ({ size: 1, metadata, etag });

describe('decideFencedWrite', () => {
  it('creates an absent key with If-None-Match: *', () => {
    expect(decideFencedWrite(undefined, fence(3))).toEqual({ kind: 'write', condition: { kind: 'absent' } });
  });

  it('replaces the version it read (If-Match) when that was written at the same or an older generation', () => {
    for (const stored of [2, 3]) {
      expect(decideFencedWrite(head(fenceMetadata(fence(stored))), fence(3))).toEqual({
        kind: 'write',
        condition: { kind: 'matches', etag: '"e1"' },
      });
    }
  });

  it('refuses to replace a version a newer generation of the same group wrote', () => {
    expect(decideFencedWrite(head(fenceMetadata(fence(4))), fence(3))).toEqual({ kind: 'refuse', stored: fence(4) });
  });

  it('replaces unfenced objects (written before fencing) and other groups\' objects, which carry no order against ours', () => {
    expect(decideFencedWrite(head({ sha256: 'x' }), fence(3))).toMatchObject({ kind: 'write', condition: { kind: 'matches' } });
    expect(decideFencedWrite(head(fenceMetadata(fence(9, 'other.group'))), fence(3))).toMatchObject({ kind: 'write' });
  });

  it('reads a group id with any characters back from metadata, and ignores malformed fences', () => {
    expect(storedFence(fenceMetadata(fence(7, 'grp ü/1')))).toEqual(fence(7, 'grp ü/1'));
    expect(storedFence({ 'fence-group': 'g', 'fence-generation': 'x' })).toBeUndefined();
    expect(storedFence({})).toBeUndefined();
  });
});

describe('fencedPut', () => {
  it('re-reads after a 412 and then refuses when the writer in between is newer', async () => {
    const store = new MemoryObjectStore();
    // Someone with generation 5 writes between our HEAD (absent) and our PUT (If-None-Match).
    let raced = false;
    const result = await fencedPut(
      store,
      {
        key: 'k',
        body: async () => {
          if (!raced) {
            raced = true;
            await store.put('k', Buffer.from('newer'), { metadata: fenceMetadata(fence(5)) });
          }
          return Buffer.from('stale');
        },
        options: {},
      },
      fence(4),
    );
    expect(result).toEqual({ kind: 'refused', stored: fence(5) });
    expect(store.objects.get('k')!.body.toString()).toBe('newer');
  });

  it('re-reads after a 412 and then overwrites when the writer in between is older', async () => {
    const store = new MemoryObjectStore();
    let raced = false;
    const result = await fencedPut(
      store,
      {
        key: 'k',
        body: async () => {
          if (!raced) {
            raced = true;
            await store.put('k', Buffer.from('older'), { metadata: fenceMetadata(fence(3)) });
          }
          return Buffer.from('mine');
        },
        options: { metadata: { a: 'b' } },
      },
      fence(4),
    );
    expect(result).toEqual({ kind: 'written' });
    expect(store.objects.get('k')!.body.toString()).toBe('mine');
    expect(storedFence(store.objects.get('k')!.options.metadata!)).toEqual(fence(4));
    expect(store.objects.get('k')!.options.metadata!.a).toBe('b');
  });
});
