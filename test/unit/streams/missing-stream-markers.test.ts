import { describe, expect, it } from 'vitest';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { missingStreamMarkerSchema, MissingStreamMarkers } from '../../../src/streams/missing-stream-markers.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const layout = new KeyLayout('vault/');
const sha = (c: string) => c.repeat(64);
const details = { firstSeen: '2026-06-01T00:00:00.000Z', lastTried: '2026-06-02T00:00:00.000Z', attempts: 3, reason: 'GET https://src/x answered 404' };

describe('MissingStreamMarkers', () => {
  it('writes a marker saying which reference was missing, since when and why, at the key the layout names', async () => {
    const store = new MemoryObjectStore();
    const markers = new MissingStreamMarkers(store, layout);
    await markers.write({ source: 'samples', label: 'content', sha256: sha('a') }, details);
    const stored = store.objects.get(layout.streamMissingKey(sha('a')))!;
    expect(stored.options).toEqual({ contentType: 'application/json' });
    expect(missingStreamMarkerSchema.parse(JSON.parse(stored.body.toString()))).toEqual({ sha256: sha('a'), source: 'samples', label: 'content', ...details });
    expect(await markers.has(sha('a'))).toBe(true);
    expect(await markers.has(sha('b'))).toBe(false);
  });

  it('deletes a marker when the stream lands later', async () => {
    const store = new MemoryObjectStore();
    const markers = new MissingStreamMarkers(store, layout);
    await markers.write({ source: 's', label: 'l', sha256: sha('a') }, details);
    await markers.delete(sha('a'));
    expect(await markers.has(sha('a'))).toBe(false);
  });

  it('lists markers by their keys, ignoring objects that are not markers', async () => {
    const store = new MemoryObjectStore();
    const markers = new MissingStreamMarkers(store, layout);
    await markers.write({ source: 's', label: 'l', sha256: sha('a') }, details);
    await markers.write({ source: 's', label: 'l', sha256: sha('b') }, details);
    const prefix = layout.streamsMissingPrefix();
    await store.put(`${prefix}notes.txt`, Buffer.from('x'));
    await store.put(`${prefix}cc/${sha('C')}.json`, Buffer.from('{}'));
    // A marker in the wrong folder is not where the layout looks for it, so it does not count.
    await store.put(`${prefix}zz/${sha('d')}.json`, Buffer.from('{}'));
    expect(await markers.list()).toEqual(new Set([sha('a'), sha('b')]));
  });
});
