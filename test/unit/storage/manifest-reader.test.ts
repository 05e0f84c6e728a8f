import { describe, expect, it } from 'vitest';
import { manifestEntry } from '../../helpers/manifest-entry.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { serializeManifest } from '../../../src/storage/manifest.js';
import { compareEntries, compareOffsets, readManifests } from '../../../src/storage/manifest-reader.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const entry = manifestEntry;

describe('readManifests', () => {
  it('report a manifest with an invalid label as a read problem, not an entry', async () => {
    const store = new MemoryObjectStore();
    const layout = new KeyLayout('');
    const good = entry(0, '0');
    const bad = { ...entry(0, '10'), streams: [{ ...good.streams[0]!, label: '../../etc' }] };
    await store.put(layout.manifestKey({ source: 'samples', event: 'sourced' }, 0, '0'), serializeManifest(good));
    await store.put(layout.manifestKey({ source: 'samples', event: 'sourced' }, 0, '10'), serializeManifest(bad));
    const listing = await readManifests(store, layout);
    expect(listing.entries).toEqual([good]);
    expect(listing.problems).toHaveLength(1);
    expect(listing.problems[0]!.reason).toContain('label "../../etc" contains a path separator');
  });

  it('are read back sorted by partition and numeric offset, with unreadable ones reported', async () => {
    const store = new MemoryObjectStore();
    const layout = new KeyLayout('');
    const pair = { source: 'samples', event: 'sourced' };
    for (const [p, o] of [[1, '100'], [0, '20'], [0, '3'], [1, '9']] as const) {
      await store.put(layout.manifestKey(pair, p, o), serializeManifest(entry(p, o)));
    }
    await store.put(layout.manifestKey(pair, 2, '0'), Buffer.from('garbage'));
    const { entries, problems } = await readManifests(store, layout);
    expect(entries.map((e) => [e.partition, e.firstOffset])).toEqual([[0, '3'], [0, '20'], [1, '9'], [1, '100']]);
    expect(problems).toEqual([{ key: layout.manifestKey(pair, 2, '0'), reason: expect.stringMatching(/expected JSON/) }]);
  });

  it('reads only the pairs asked for, and reports a manifest it cannot get as a problem, not a failure', async () => {
    const store = new MemoryObjectStore();
    const layout = new KeyLayout('backups/');
    const samples = { source: 'samples', event: 'sourced' };
    const system = { source: 'system', event: 'insert' };
    await store.put(layout.manifestKey(samples, 0, '0'), serializeManifest(entry(0, '0')));
    await store.put(layout.manifestKey(system, 0, '0'), serializeManifest({ ...entry(0, '0'), source: 'system', event: 'insert' }));
    await store.put(layout.manifestKey(samples, 0, '10'), serializeManifest(entry(0, '10')));
    const only = await readManifests(store, layout, { pairs: [system] });
    expect(only.entries.map((e) => [e.source, e.firstOffset])).toEqual([['system', '0']]);
    store.failNext = (op, key) => (op === 'get' && key === layout.manifestKey(samples, 0, '10') ? new Error('socket hang up') : undefined);
    const listing = await readManifests(store, layout, { concurrency: 1 });
    expect(listing.entries.map((e) => [e.source, e.firstOffset])).toEqual([['samples', '0'], ['system', '0']]);
    expect(listing.problems).toEqual([{ key: layout.manifestKey(samples, 0, '10'), reason: `manifest ${layout.manifestKey(samples, 0, '10')}: socket hang up` }]);
  });
});

describe('manifest order', () => {
  it('compares offsets as numbers, beyond 2^53 too', () => {
    expect(compareOffsets('9', '10')).toBe(-1);
    expect(compareOffsets('10', '9')).toBe(1);
    expect(compareOffsets('18446744073709551615', '18446744073709551614')).toBe(1);
    expect(compareOffsets('7', '7')).toBe(0);
  });

  it('sorts entries by source, event, partition, then first offset', () => {
    const sorted = [
      { ...entry(1, '0'), source: 'b' },
      { ...entry(2, '5'), event: 'z' },
      entry(1, '100'),
      entry(1, '20'),
      entry(0, '50'),
    ].sort(compareEntries);
    expect(sorted.map((e) => `${e.source}/${e.event}/${e.partition}/${e.firstOffset}`)).toEqual([
      'b/sourced/1/0',
      'samples/sourced/0/50',
      'samples/sourced/1/20',
      'samples/sourced/1/100',
      'samples/z/2/5',
    ]);
  });
});
