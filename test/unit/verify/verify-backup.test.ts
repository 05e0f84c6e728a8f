import { createHash } from 'node:crypto';
import { serializeManifest } from '../../../src/storage/manifest.js';
import { describe, expect, it } from 'vitest';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { verifyBackup, type VerifyProgress } from '../../../src/verify/verify-backup.js';
import { MissingStreamMarkers } from '../../../src/streams/missing-stream-markers.js';
import { writeRetentionGap } from '../../../src/storage/retention-gap.js';
import { flipOneBit, writeFixtureBackup } from '../../helpers/backup-fixture.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const layout = new KeyLayout('prod/');

async function fixture() {
  const store = new MemoryObjectStore();
  const backup = await writeFixtureBackup(store, layout);
  store.calls.length = 0;
  return { store, ...backup };
}

function recordingProgress() {
  const errors: Array<{ item: string; error: string }> = [];
  const progress: VerifyProgress & { files: number; totalFiles: number } = {
    files: 0,
    totalFiles: 0,
    start: () => {},
    setPhase: () => {},
    addTotals(files) {
      this.totalFiles += files;
    },
    advance(files) {
      this.files += files;
    },
    error: (item, error) => errors.push({ item, error }),
  };
  return { progress, errors };
}

describe('verifyBackup', () => {
  it('lists retention gaps apart from damage, and reports a gap object it cannot read as damage', async () => {
    const { store } = await fixture();
    const gap = {
      format: 'streamvault.retention-gap' as const, version: 1 as const, source: 'samples', event: 'sourced', topic: 'samples.sourced', partition: 2,
      from: '40', to: '99', continuedFrom: 'committed-offset' as const, logStartOffset: '100', noticedAt: '2026-06-01T00:00:00.000Z', host: 'h',
    };
    await writeRetentionGap(store, layout, gap);
    const clean = await verifyBackup({ store, layout }, { readData: true, subset: { kind: 'all' } });
    expect(clean.retentionGaps).toEqual([gap]);
    expect(clean.errors).toEqual([]);

    const unreadable = layout.retentionGapKey(gap, 3, '7');
    await store.put(unreadable, Buffer.from('{"format":"streamvault.retention-gap","version":1,"from":"7"}'));
    const damaged = await verifyBackup({ store, layout }, { readData: false, subset: { kind: 'all' } });
    expect(damaged.retentionGaps).toEqual([gap]);
    expect(damaged.errors).toMatchObject([{ key: unreadable, kind: 'retention-gap-unreadable' }]);
    expect(damaged.corrupt).toEqual([unreadable]);
  });

  it('reports a stream recorded as unavailable at the source apart from damage, and a stream deleted without a marker as missing', async () => {
    const { store, blobs } = await fixture();
    const [neverAtSource, deleted] = [...blobs.keys()];
    store.objects.delete(layout.streamKey(neverAtSource!));
    store.objects.delete(layout.streamKey(deleted!));
    const at = '2026-06-01T00:00:00.000Z';
    await new MissingStreamMarkers(store, layout).write(
      { source: 'samples', label: 'content', sha256: neverAtSource! },
      { firstSeen: at, lastTried: at, attempts: 3, reason: 'GET answered 404' },
    );
    const report = await verifyBackup({ store, layout }, { readData: false, subset: { kind: 'all' } });
    expect(report.unavailableAtSource).toEqual([neverAtSource]);
    expect(report.missing).toEqual([layout.streamKey(deleted!)]);
    expect(report.errors.map((e) => e.key)).toEqual([layout.streamKey(deleted!)]);
  });

  it('passes a backup whose only gap is a stream unavailable at the source; a marker next to a stored stream means nothing', async () => {
    const { store, blobs } = await fixture();
    const [gone, stored] = [...blobs.keys()];
    store.objects.delete(layout.streamKey(gone!));
    const markers = new MissingStreamMarkers(store, layout);
    const at = '2026-06-01T00:00:00.000Z';
    for (const sha256 of [gone!, stored!]) {
      await markers.write({ source: 'samples', label: 'content', sha256 }, { firstSeen: at, lastTried: at, attempts: 1, reason: '404' });
    }
    const report = await verifyBackup({ store, layout }, { readData: true, subset: { kind: 'all' } });
    expect(report.errors).toEqual([]);
    expect(report.unavailableAtSource).toEqual([gone]);
    expect(report.read).toContain(layout.streamKey(stored!));
  });

  it('passes a good backup, reading every object and blob once with --read-data', async () => {
    const { store, entries, blobs } = await fixture();
    const { progress, errors } = recordingProgress();
    const report = await verifyBackup({ store, layout, progress }, { readData: true, subset: { kind: 'all' } });
    expect(errors).toEqual([]);
    expect(report.errors).toEqual([]);
    expect(report.objects).toBe(entries.length);
    expect(report.streams).toBe(blobs.size);
    const expectedReads = [...entries.map((e) => e.key), ...[...blobs.keys()].map((sha) => layout.streamKey(sha))].sort();
    expect(report.read).toEqual(expectedReads);
    // What the store really served, not only what verify says it read.
    const fetched = store.calls.filter((c) => c.op === 'get').map((c) => c.key);
    expect(fetched.filter((k) => !k.includes('/manifests/')).sort()).toEqual(expectedReads);
    expect(progress.files).toBe(progress.totalFiles);
  });

  it('names a deleted events object as missing, without downloading data', async () => {
    const { store, entries } = await fixture();
    const victim = entries[3]!;
    store.objects.delete(victim.key);
    const report = await verifyBackup({ store, layout }, { readData: false, subset: { kind: 'all' } });
    expect(report.missing).toEqual([victim.key]);
    expect(report.corrupt).toEqual([]);
    expect(report.errors[0]).toMatchObject({ kind: 'missing', key: victim.key });
    expect(store.calls.filter((c) => c.op === 'get' && c.key.includes('/events/'))).toEqual([]);
  });

  it('names a truncated object by its size', async () => {
    const { store, entries } = await fixture();
    const victim = entries[1]!;
    const body = store.objects.get(victim.key)!.body;
    store.objects.get(victim.key)!.body = body.subarray(0, body.length - 7);
    const report = await verifyBackup({ store, layout }, { readData: false, subset: { kind: 'all' } });
    expect(report.corrupt).toEqual([victim.key]);
    expect(report.errors[0]!.message).toContain(`expected ${body.length} bytes`);
    expect(report.errors[0]!.message).toContain(`got ${body.length - 7}`);
  });

  it('finds one flipped bit only when reading data, and names the key', async () => {
    const { store, entries } = await fixture();
    const victim = entries[5]!;
    store.objects.get(victim.key)!.body = flipOneBit(store.objects.get(victim.key)!.body);
    const structure = await verifyBackup({ store, layout }, { readData: false, subset: { kind: 'all' } });
    expect(structure.errors).toEqual([]);
    const data = await verifyBackup({ store, layout }, { readData: true, subset: { kind: 'all' } });
    expect(data.corrupt).toEqual([victim.key]);
    expect(data.errors[0]).toMatchObject({ kind: 'sha256-mismatch', key: victim.key });
    expect(data.errors[0]!.message).toContain(victim.sha256);
    const flipped = store.objects.get(victim.key)!.body;
    expect(data.errors[0]!.message).toContain(`got ${createHash('sha256').update(flipped).digest('hex')} (${flipped.length} bytes)`);
  });

  it('finds a blob that no longer hashes to its name, and a missing blob', async () => {
    const { store, blobs } = await fixture();
    const [damagedSha, missingSha] = [...blobs.keys()];
    const damagedKey = layout.streamKey(damagedSha!);
    store.objects.get(damagedKey)!.body = flipOneBit(store.objects.get(damagedKey)!.body);
    store.objects.delete(layout.streamKey(missingSha!));
    const report = await verifyBackup({ store, layout }, { readData: true, subset: { kind: 'all' } });
    expect(report.corrupt).toEqual([damagedKey]);
    expect(report.missing).toEqual([layout.streamKey(missingSha!)]);
    const damaged = store.objects.get(damagedKey)!.body;
    const blobError = report.errors.find((e) => e.key === damagedKey)!;
    expect(blobError.kind).toBe('sha256-mismatch');
    expect(blobError.message).toContain(`expected content hashing to ${damagedSha}`);
    expect(blobError.message).toContain(`got ${createHash('sha256').update(damaged).digest('hex')} (${damaged.length} bytes)`);
  });

  it('finds a manifest that lies about its records (right hash, wrong count)', async () => {
    const { store, entries } = await fixture();
    const victim = entries[0]!;
    const manifestKey = layout.manifestKey(victim, victim.partition, victim.firstOffset);
    store.objects.get(manifestKey)!.body = serializeManifest({ ...victim, count: victim.count + 1, lastOffset: '99' });
    const report = await verifyBackup({ store, layout }, { readData: true, subset: { kind: 'all' } });
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatchObject({ kind: 'records-mismatch', key: victim.key });
    expect(report.errors[0]!.message).toContain(`expected ${victim.count + 1} records, got ${victim.count}`);
  });

  it('reports an unreadable manifest as corrupt', async () => {
    const { store, entries } = await fixture();
    const victim = entries[2]!;
    const manifestKey = layout.manifestKey(victim, victim.partition, victim.firstOffset);
    store.objects.get(manifestKey)!.body = Buffer.from('{"version":1,');
    const report = await verifyBackup({ store, layout }, { readData: false, subset: { kind: 'all' } });
    expect(report.corrupt).toEqual([manifestKey]);
  });

  it('reads everything exactly once across --read-data-subset 1/3, 2/3, 3/3', async () => {
    const { store, entries, blobs } = await fixture();
    const fetched: string[] = [];
    for (const n of [1, 2, 3]) {
      store.calls.length = 0;
      const report = await verifyBackup({ store, layout }, { readData: true, subset: { kind: 'part', n, t: 3 } });
      expect(report.errors).toEqual([]);
      const got = store.calls.filter((c) => c.op === 'get' && !c.key.includes('/manifests/')).map((c) => c.key);
      expect(got.sort()).toEqual([...report.read]);
      fetched.push(...got);
    }
    const everything = [...entries.map((e) => e.key), ...[...blobs.keys()].map((sha) => layout.streamKey(sha))].sort();
    expect(fetched.sort()).toEqual(everything);
  });
});
