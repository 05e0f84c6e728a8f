import { describe, expect, it } from 'vitest';
import {
  buildRestorePlan,
  includesEvents,
  includesOffsets,
  includesStreams,
  inTimeScope,
  parseTimestamp,
  planTotals,
  type PlannedPartition,
  type RestoreScope,
} from '../../../src/restore/restore-plan.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import type { ManifestEntry } from '../../../src/storage/manifest.js';
import { RETENTION_GAP_FORMAT, writeRetentionGap } from '../../../src/storage/retention-gap.js';
import { writeFixtureBackup } from '../../helpers/backup-fixture.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const layout = new KeyLayout('');
/** The fixture's first record (offset 0); offset n is n seconds later. */
const BASE = Date.UTC(2026, 0, 2, 3, 4, 5);
const everything: RestoreScope = { sources: [], events: [], what: 'both', sinceMs: undefined, untilMs: undefined };

describe('parseTimestamp', () => {
  it('accepts UTC times, dates and epoch ms; refuses a time without a zone', () => {
    expect(parseTimestamp('--until', '2026-01-02T03:00:00Z')).toEqual({ ok: true, ms: Date.UTC(2026, 0, 2, 3) });
    expect(parseTimestamp('--until', '2026-01-02')).toEqual({ ok: true, ms: Date.UTC(2026, 0, 2) });
    expect(parseTimestamp('--until', '1767322800000')).toEqual({ ok: true, ms: 1_767_322_800_000 });
    const refused = parseTimestamp('--until', '2026-01-02T03:00:00');
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.message).toContain('got "2026-01-02T03:00:00"');
  });

  it('accepts an explicit offset and converts it to UTC', () => {
    expect(parseTimestamp('--since', '2026-01-02T05:00:00+02:00')).toEqual({ ok: true, ms: Date.UTC(2026, 0, 2, 3) });
    expect(parseTimestamp('--since', ' 2026-01-02T03:00:00.250Z ')).toEqual({ ok: true, ms: Date.UTC(2026, 0, 2, 3) + 250 });
  });

  it('refuses an impossible date, naming the flag, what it expects and what it got', () => {
    const refused = parseTimestamp('--since', '2026-13-45');
    expect(refused).toEqual({
      ok: false,
      message: '--since: expected a UTC time such as 2026-01-02T03:04:05Z, a date such as 2026-01-02, or epoch milliseconds, got "2026-13-45"',
    });
    expect(parseTimestamp('--since', 'yesterday').ok).toBe(false);
    expect(parseTimestamp('--since', '-5').ok).toBe(false);
  });
});

describe('what a restore includes', () => {
  it('both is streams, events and offsets; each other choice is itself alone', () => {
    const table = (['events', 'streams', 'offsets', 'both'] as const).map((w) => [w, includesEvents(w), includesStreams(w), includesOffsets(w)]);
    expect(table).toEqual([
      ['events', true, false, false],
      ['streams', false, true, false],
      ['offsets', false, false, true],
      ['both', true, true, true],
    ]);
  });
});

describe('inTimeScope', () => {
  it('is inclusive at both ends, and open where a bound is absent', () => {
    const scope = { sinceMs: 100, untilMs: 200 };
    expect([99n, 100n, 200n, 201n].map((t) => inTimeScope(scope, t))).toEqual([false, true, true, false]);
    expect(inTimeScope({ sinceMs: undefined, untilMs: undefined }, -1n)).toBe(true);
    expect(inTimeScope({ sinceMs: 100, untilMs: undefined }, 10n ** 18n)).toBe(true);
  });
});

describe('buildRestorePlan', () => {
  it('plans every partition of every pair, batches in offset order, and each stream once with every reference', async () => {
    const store = new MemoryObjectStore();
    const { blobs } = await writeFixtureBackup(store, layout);
    const plan = await buildRestorePlan(store, layout, everything, { concurrency: 2 });
    expect(plan.partitions.map((p) => `${p.source}/${p.event} ${p.topic}:${p.partition} ${p.batches.map((b) => b.firstOffset).join(',')}`)).toEqual([
      'samples/sourced samples.sourced:0 0,5',
      'samples/sourced samples.sourced:1 0,5',
      'system/insert system.insert:0 0,5',
      'system/insert system.insert:1 0,5',
    ]);
    expect(plan.streams.map((s) => s.sha256)).toEqual([...blobs.keys()].sort());
    const first = plan.streams[0]!;
    expect(first).toMatchObject({ key: layout.streamKey(first.sha256), size: blobs.get(first.sha256)!.length });
    expect(plan.problems).toEqual([]);
    expect(plan.unknownRanges).toEqual([]);
    expect(plan.retentionGaps).toEqual([]);
  });

  it('narrows to the sources, events and times asked for; a batch is in when any of its records is', async () => {
    const store = new MemoryObjectStore();
    await writeFixtureBackup(store, layout);
    const scope: RestoreScope = { ...everything, sources: ['system'], sinceMs: BASE + 4_000, untilMs: BASE + 4_000 };
    const plan = await buildRestorePlan(store, layout, scope, { concurrency: 2 });
    // Offset 4 (the only record at BASE + 4 s) is in each partition's first batch.
    expect(plan.partitions.map((p) => [p.topic, p.partition, p.batches.map((b) => b.firstOffset)])).toEqual([
      ['system.insert', 0, ['0']],
      ['system.insert', 1, ['0']],
    ]);
    // Streams are referenced at offsets 0 and 3 of that batch: neither is at BASE + 4 s.
    expect(plan.streams).toEqual([]);
  });

  it('plans no streams for an events-only restore', async () => {
    const store = new MemoryObjectStore();
    await writeFixtureBackup(store, layout);
    const plan = await buildRestorePlan(store, layout, { ...everything, what: 'events' }, { concurrency: 2 });
    expect(plan.partitions).toHaveLength(4);
    expect(plan.streams).toEqual([]);
  });

  it('names a stream the backup lacks with no size, and an unreadable manifest as a problem', async () => {
    const store = new MemoryObjectStore();
    const { entries } = await writeFixtureBackup(store, layout);
    const lost = [...(await buildRestorePlan(store, layout, everything, { concurrency: 2 })).streams][0]!;
    store.objects.delete(lost.key);
    const manifestKey = [...store.objects.keys()].find((k) => k.startsWith(layout.manifestsPrefix()) && k.endsWith('.json'))!;
    store.objects.set(manifestKey, { body: Buffer.from('{not json'), options: {} });
    const plan = await buildRestorePlan(store, layout, everything, { concurrency: 2 });
    expect(plan.streams.find((s) => s.sha256 === lost.sha256)).toMatchObject({ size: undefined });
    expect(plan.streams.find((s) => s.sha256 === lost.sha256)!.unavailableAtSource).toBeUndefined();
    expect(plan.problems.map((p) => p.key)).toEqual([manifestKey]);
    expect(plan.partitions.reduce((n, p) => n + p.batches.length, 0)).toBe(entries.length - 1);
  });

  it('refuses offset ranges of a partition the backup does not hold, and keeps only the gaps they overlap', async () => {
    const store = new MemoryObjectStore();
    await writeFixtureBackup(store, layout);
    const gap = (partition: number, from: string, to: string) => ({
      format: RETENTION_GAP_FORMAT,
      version: 1,
      source: 'samples',
      event: 'sourced',
      topic: 'samples.sourced',
      partition,
      from,
      to,
      continuedFrom: 'committed-offset',
      logStartOffset: String(Number(to) + 1),
      noticedAt: '2026-01-02T00:00:00.000Z',
      host: 'h',
    }) as const;
    await writeRetentionGap(store, layout, gap(0, '10', '19'));
    await writeRetentionGap(store, layout, gap(1, '10', '19'));
    const scope: RestoreScope = {
      ...everything,
      offsetRanges: [
        { topic: 'samples.sourced', partition: 0, from: 5n, to: 12n },
        { topic: 'samples.sourced', partition: 7, from: 0n, to: 1n },
      ],
    };
    const plan = await buildRestorePlan(store, layout, scope, { concurrency: 2 });
    expect(plan.partitions.map((p) => [p.topic, p.partition, p.batches.map((b) => b.firstOffset)])).toEqual([['samples.sourced', 0, ['5']]]);
    expect(plan.unknownRanges).toEqual([
      '--partition samples.sourced:7: expected a partition the backup holds of samples.sourced (0, 1), got 7',
    ]);
    expect(plan.retentionGaps.map((g) => [g.partition, g.from])).toEqual([[0, '10']]);
  });
});

describe('planTotals', () => {
  const batch = (first: number, last: number, count: number, times: [number, number] = [0, 0]): ManifestEntry =>
    ({ firstOffset: String(first), lastOffset: String(last), count, bytes: 100, minTimestamp: BigInt(times[0]), maxTimestamp: BigInt(times[1]) }) as ManifestEntry;
  const partition = (batches: ManifestEntry[], partitionNumber = 0): PlannedPartition => ({ source: 's', event: 'e', topic: 't', partition: partitionNumber, batches });

  it('counts an overlap between batches once (a rebalance wrote offsets twice)', () => {
    const totals = planTotals({ scope: everything, partitions: [partition([batch(0, 9, 10), batch(5, 14, 10), batch(20, 29, 10)])], streams: [] });
    expect(totals.pairs).toEqual([{ source: 's', event: 'e', topic: 't', batches: 3, events: 25, eventsExact: true, bytes: 300 }]);
    expect(totals).toMatchObject({ batches: 3, events: 25, eventBytes: 300, files: 3, bytes: 300 });
  });

  it('says the count is an upper bound when a batch straddles --since/--until or an offset range', () => {
    const straddles = planTotals({ scope: { ...everything, sinceMs: 50 }, partitions: [partition([batch(0, 9, 10, [40, 60])])], streams: [] });
    expect(straddles.pairs[0]).toMatchObject({ events: 10, eventsExact: false });
    const inside = planTotals({ scope: { ...everything, sinceMs: 50 }, partitions: [partition([batch(0, 9, 10, [50, 60])])], streams: [] });
    expect(inside.pairs[0]!.eventsExact).toBe(true);
    const ranged = planTotals({
      scope: { ...everything, offsetRanges: [{ topic: 't', partition: 0, from: 3n, to: 100n }] },
      partitions: [partition([batch(0, 9, 10)])],
      streams: [],
    });
    expect(ranged.pairs[0]!.eventsExact).toBe(false);
  });

  it('counts a stream once per reference, and tells missing streams from those unavailable at the source', () => {
    const ref = (label: string) => ({ source: 's', label });
    const totals = planTotals({
      scope: { ...everything, what: 'streams' },
      partitions: [partition([batch(0, 9, 10)])],
      streams: [
        { sha256: 'a', key: 'ka', size: 1000, references: [ref('x'), ref('y')] },
        { sha256: 'b', key: 'kb', size: undefined, references: [ref('x')] },
        { sha256: 'c', key: 'kc', size: undefined, references: [ref('x')], unavailableAtSource: true },
      ],
    });
    // A streams-only restore writes no events: they are left out of what progress counts.
    expect(totals).toMatchObject({ batches: 0, events: 0, eventBytes: 0, streams: 3, streamPosts: 4, streamBytes: 2000, missingStreams: 1, unavailableAtSource: 1, files: 4, bytes: 2000 });
  });
});
