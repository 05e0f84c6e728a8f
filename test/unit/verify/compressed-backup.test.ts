// stats and verify over compressed events objects and stream objects.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeContainer, encodeContainerMeasured } from '../../../src/events/avro-container.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { serializeManifest } from '../../../src/storage/manifest.js';
import { computeBackupStats, formatBackupStats } from '../../../src/verify/backup-stats.js';
import { verifyBackup } from '../../../src/verify/verify-backup.js';
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

describe('verify --read-data over compressed streams', () => {
  it('passes compressed and plain blobs alike, and names a compressed blob whose content was swapped or cut', async () => {
    const store = new MemoryObjectStore();
    const backup = await writeFixtureBackup(store, layout);
    const [good, swapped, cut] = [...backup.blobs];
    const put = (sha: string, body: Buffer) => store.put(layout.streamKey(sha), body, { metadata: { sha256: sha, encoding: 'gzip' } });
    await put(good![0], gzipSync(good![1]));
    await put(swapped![0], gzipSync(Buffer.from('not the content')));
    const gz = gzipSync(cut![1]);
    await put(cut![0], gz.subarray(0, gz.length - 8));

    const report = await verifyBackup({ store, layout }, { readData: true, subset: { kind: 'all' } });
    expect(report.corrupt).toEqual([layout.streamKey(swapped![0]), layout.streamKey(cut![0])].sort());
    const byKey = new Map(report.errors.map((e) => [e.key, e]));
    expect(byKey.get(layout.streamKey(swapped![0]))).toMatchObject({ kind: 'sha256-mismatch' });
    expect(byKey.get(layout.streamKey(cut![0]))).toMatchObject({ kind: 'undecodable' });
    expect(report.read).toContain(layout.streamKey(good![0]));
  });
});
