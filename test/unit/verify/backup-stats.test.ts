import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeContainer, encodeContainerMeasured } from '../../../src/events/avro-container.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { serializeManifest } from '../../../src/storage/manifest.js';
import { RETENTION_GAP_FORMAT, writeRetentionGap } from '../../../src/storage/retention-gap.js';
import { computeBackupStats, formatBackupStats, formatRatio } from '../../../src/verify/backup-stats.js';
import { writeFixtureBackup } from '../../helpers/backup-fixture.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const layout = new KeyLayout('');

describe('stats: compression ratios', () => {
  it('events: record bytes before the codec over stored bytes, from the manifests; older manifests are left out of the ratio', async () => {
    const store = new MemoryObjectStore();
    const backup = await writeFixtureBackup(store, layout, { codec: 'deflate', perBatch: 40 });
    // One manifest as written before uncompressedBytes existed.
    const legacy = backup.entries[0]!;
    const { uncompressedBytes: _dropped, ...older } = legacy;
    await store.put(layout.manifestKey(legacy, legacy.partition, legacy.firstOffset), serializeManifest(older));

    const stats = await computeBackupStats({ store, layout });
    const pair = stats.pairs.find((p) => p.source === legacy.source && p.event === legacy.event)!;
    // What the records serialize to, measured from the stored objects themselves with the null codec.
    let expectedRecordBytes = 0;
    let expectedStored = 0;
    for (const entry of backup.entries.filter((e) => e.source === legacy.source && e.event === legacy.event && e.key !== legacy.key)) {
      const stored = store.objects.get(entry.key)!.body;
      expectedRecordBytes += (await encodeContainerMeasured(await decodeContainer(stored), { codec: 'null', seed: entry.key })).uncompressedBytes;
      expectedStored += stored.length;
    }
    expect(pair.codecs).toEqual(['deflate']);
    expect(pair.uncompressedBytes).toBe(expectedRecordBytes);
    expect(pair.measuredBytes).toBe(expectedStored);
    expect(pair.bytes).toBe(expectedStored + legacy.bytes);
    expect(pair.uncompressedBytes).toBeGreaterThan(pair.measuredBytes);
    expect(formatBackupStats(stats)).toContain(`${(pair.uncompressedBytes / pair.measuredBytes).toFixed(2)}x`);
  });

  it('streams: content over stored size from each object\'s metadata, uncompressed ones count as themselves', async () => {
    const store = new MemoryObjectStore();
    const backup = await writeFixtureBackup(store, layout);
    const blobs = [...backup.blobs];
    const [withSize, withoutSize] = blobs;
    const gzWith = gzipSync(withSize![1]);
    await store.put(layout.streamKey(withSize![0]), gzWith, { metadata: { sha256: withSize![0], encoding: 'gzip', 'content-size': String(withSize![1].length) } });
    await store.put(layout.streamKey(withoutSize![0]), gzipSync(withoutSize![1]), { metadata: { sha256: withoutSize![0], encoding: 'gzip' } });
    const plain = blobs.slice(2);

    const s = (await computeBackupStats({ store, layout })).streams;
    expect(s.compressed).toBe(2);
    expect(s.sizeUnknown).toBe(1);
    const plainBytes = plain.reduce((n, [, b]) => n + b.length, 0);
    expect(s.contentBytes).toBe(plainBytes + withSize![1].length);
    expect(s.measuredBytes).toBe(plainBytes + gzWith.length);
    expect(s.contentBytes).toBeGreaterThan(s.measuredBytes);
    const text = formatBackupStats(await computeBackupStats({ store, layout }));
    expect(text).toContain(`streams compression: 2 compressed; ${(s.contentBytes / s.measuredBytes).toFixed(2)}x`);
    expect(text).toContain('1 without a recorded content size left out');
  });
});

describe('stats: counts', () => {
  it('counts batches, events, partitions and the time span per pair, and totals over pairs', async () => {
    const store = new MemoryObjectStore();
    const backup = await writeFixtureBackup(store, layout);
    const stats = await computeBackupStats({ store, layout });
    const base = Date.UTC(2026, 0, 2, 3, 4, 5);
    expect(stats.pairs.map((p) => [p.source, p.event, p.topic, p.batches, p.events, p.partitions, p.firstTimestamp, p.lastTimestamp])).toEqual([
      ['samples', 'sourced', 'samples.sourced', 4, 20, 2, BigInt(base), BigInt(base + 9_000)],
      ['system', 'insert', 'system.insert', 4, 20, 2, BigInt(base), BigInt(base + 9_000)],
    ]);
    expect(stats.totals).toMatchObject({ batches: 8, events: 40, bytes: backup.entries.reduce((n, e) => n + e.bytes, 0) });
    expect(stats.problems).toEqual([]);
  });

  it('counts each stored stream once however often it is referenced, and the referenced ones it lacks as missing', async () => {
    const store = new MemoryObjectStore();
    const backup = await writeFixtureBackup(store, layout);
    const [lost] = [...backup.blobs.keys()];
    store.objects.delete(layout.streamKey(lost!));
    const { streams } = await computeBackupStats({ store, layout });
    const referencesInManifests = backup.entries.reduce((n, e) => n + e.streams.length, 0);
    expect(streams).toMatchObject({ stored: backup.blobs.size - 1, references: referencesInManifests, referenced: backup.blobs.size, missing: 1 });
    expect(streams.storedBytes).toBe([...backup.blobs].filter(([sha]) => sha !== lost).reduce((n, [, b]) => n + b.length, 0));
  });

  it('lists retention gaps, and an unreadable manifest as a problem', async () => {
    const store = new MemoryObjectStore();
    const backup = await writeFixtureBackup(store, layout);
    await writeRetentionGap(store, layout, {
      format: RETENTION_GAP_FORMAT, version: 1, source: 'samples', event: 'sourced', topic: 'samples.sourced', partition: 0,
      from: '10', to: '19', continuedFrom: 'committed-offset', logStartOffset: '20', noticedAt: '2026-01-03T00:00:00.000Z', host: 'h',
    });
    const entry = backup.entries[0]!;
    await store.put(layout.manifestKey(entry, entry.partition, entry.firstOffset), Buffer.from('{'));
    const stats = await computeBackupStats({ store, layout });
    expect(stats.retentionGaps.map((g) => [g.partition, g.from, g.to])).toEqual([[0, '10', '19']]);
    expect(stats.problems.map((p) => p.key)).toEqual([layout.manifestKey(entry, entry.partition, entry.firstOffset)]);
    expect(stats.totals.batches).toBe(7);
  });
});

describe('formatRatio', () => {
  it('gives content over stored bytes to two places, and a dash when nothing was measured', () => {
    expect(formatRatio(300, 100)).toBe('3.00x');
    expect(formatRatio(1, 3)).toBe('0.33x');
    expect(formatRatio(5, 0)).toBe('-');
  });
});
