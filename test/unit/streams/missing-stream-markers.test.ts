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

  // Markers are read only through this schema (list() goes by keys): it is what refuses a hand-edited body.
  it.each([
    { field: 'source', value: '../x', why: 'source "../x" contains a path separator, expected a single segment' },
    { field: 'source', value: 'a\u0000b', why: 'source "a\\u0000b" contains a control character' },
    { field: 'source', value: '', why: 'source is empty, expected a non-empty name' },
    { field: 'label', value: '../x', why: 'label "../x" contains a path separator, expected a single segment' },
    { field: 'label', value: 'a\u0000b', why: 'label "a\\u0000b" contains a control character' },
    { field: 'label', value: '', why: 'label is empty, expected a non-empty name' },
  ])('refuses a marker whose $field is $value, with a STREAM_REF_INVALID issue on that field', ({ field, value, why }) => {
    const body = { source: 'samples', label: 'content', sha256: sha('a'), ...details, [field]: value };
    const parsed = missingStreamMarkerSchema.safeParse(JSON.parse(JSON.stringify(body)));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => ({ path: issue.path, message: issue.message }))).toEqual([
      { path: [field], message: `${why} (code STREAM_REF_INVALID)` },
    ]);
  });

  it('reads back a written marker exactly, names that only look odd (percent signs, spaces) included', async () => {
    const store = new MemoryObjectStore();
    const markers = new MissingStreamMarkers(store, layout);
    const ref = { source: '%2e%2e', label: 'raw content', sha256: sha('e') };
    await markers.write(ref, details);
    const body = store.objects.get(layout.streamMissingKey(sha('e')))!.body.toString();
    expect(missingStreamMarkerSchema.parse(JSON.parse(body))).toEqual({ ...ref, ...details });
  });
});
