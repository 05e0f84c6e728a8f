import { describe, expect, it } from 'vitest';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import {
  describeRetentionGap,
  gapOffsets,
  parseRetentionGap,
  readRetentionGap,
  readRetentionGaps,
  RETENTION_GAP_FORMAT,
  retentionGapJson,
  serializeRetentionGap,
  writeRetentionGap,
  type RetentionGap,
} from '../../../src/storage/retention-gap.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const pair = { source: 'samples', event: 'sourced', topic: 't' };
const layout = new KeyLayout('pre');

const gap = (partition: number, from: string, to: string, source = 'samples'): RetentionGap => ({
  format: RETENTION_GAP_FORMAT,
  version: 1,
  source,
  event: 'sourced',
  topic: 't',
  partition,
  from,
  to,
  continuedFrom: 'committed-offset',
  logStartOffset: String(BigInt(to) + 1n),
  noticedAt: '2026-12-02T03:00:00.000Z',
  host: 'host-a',
});

describe('retention gap objects', () => {
  it('reads a backup without gaps as none, and reports an unreadable or newer gap object as a problem', async () => {
    const store = new MemoryObjectStore();
    expect(await readRetentionGaps(store, layout)).toEqual({ gaps: [], problems: [] });
    await store.put(layout.retentionGapKey(pair, 0, '1'), Buffer.from('{"format":"streamvault.retention-gap","version":2}'));
    await store.put(layout.retentionGapKey(pair, 0, '2'), Buffer.from('not json'));
    const { gaps, problems } = await readRetentionGaps(store, layout);
    expect(gaps).toEqual([]);
    expect(problems.map((p) => p.reason)).toEqual([
      expect.stringContaining('expected version 1, got 2 (written by a newer streamvault)'),
      expect.stringContaining('expected JSON'),
    ]);
  });
});

describe('retention gaps', () => {
  it('are written under gaps/ by pair, partition and first offset, and read back as written', async () => {
    const store = new MemoryObjectStore();
    const key = await writeRetentionGap(store, layout, gap(3, '10', '39'));
    expect(key).toBe(layout.retentionGapKey(pair, 3, '10'));
    expect(key.startsWith('pre/')).toBe(true);
    expect(await readRetentionGap(store, key)).toEqual(gap(3, '10', '39'));
    expect(await readRetentionGap(store, layout.retentionGapKey(pair, 3, '40'))).toBeUndefined();
  });

  it('noticed again at the same first offset, one object is overwritten, not a second one added', async () => {
    const store = new MemoryObjectStore();
    await writeRetentionGap(store, layout, gap(0, '10', '19'));
    await writeRetentionGap(store, layout, { ...gap(0, '10', '29'), noticedAt: '2026-12-03T00:00:00.000Z' });
    const { gaps } = await readRetentionGaps(store, layout);
    expect(gaps.map((g) => [g.from, g.to, g.noticedAt])).toEqual([['10', '29', '2026-12-03T00:00:00.000Z']]);
  });

  it('are listed sorted by pair, partition and numeric first offset, for some pairs only when asked', async () => {
    const store = new MemoryObjectStore();
    for (const g of [gap(1, '100', '109'), gap(1, '9', '19'), gap(0, '5', '5'), gap(0, '1', '2', 'other')]) await writeRetentionGap(store, layout, g);
    const all = await readRetentionGaps(store, layout);
    expect(all.gaps.map((g) => `${g.source} ${g.partition}:${g.from}`)).toEqual(['other 0:1', 'samples 0:5', 'samples 1:9', 'samples 1:100']);
    const some = await readRetentionGaps(store, layout, { pairs: [{ source: 'other', event: 'sourced' }] });
    expect(some.gaps.map((g) => g.source)).toEqual(['other']);
  });

  it('refuses a gap that ends before it starts, or misses a field, saying which', () => {
    expect(parseRetentionGap('k', serializeRetentionGap(gap(0, '20', '30')))).toEqual({ ok: true, gap: gap(0, '20', '30') });
    const backwards = Buffer.from(JSON.stringify({ ...gap(0, '0', '0'), from: '30', to: '20' }));
    expect(parseRetentionGap('k', backwards)).toEqual({ ok: false, reason: 'retention gap k: expected from <= to, got 30..20' });
    const { host: _host, ...noHost } = gap(0, '1', '2');
    expect(parseRetentionGap('k', Buffer.from(JSON.stringify(noHost)))).toMatchObject({ ok: false, reason: expect.stringMatching(/^retention gap k: host: /) });
    expect(() => serializeRetentionGap({ ...gap(0, '1', '2'), from: 'x' })).toThrow();
  });

  it('count their offsets exactly and say what they are, for people and as JSON', () => {
    const g = gap(2, '18446744073709551000', '18446744073709551614');
    expect(gapOffsets(g)).toBe(615n);
    expect(describeRetentionGap(gap(2, '10', '39'))).toBe(
      'samples/sourced t/2: offsets 10..39 (30) expired at the source before they were backed up (noticed 2026-12-02T03:00:00.000Z by host-a)',
    );
    expect(retentionGapJson(gap(2, '10', '39'))).toEqual({
      source: 'samples', event: 'sourced', topic: 't', partition: 2, from: '10', to: '39', offsets: '30', noticed_at: '2026-12-02T03:00:00.000Z', host: 'host-a',
    });
  });
});
