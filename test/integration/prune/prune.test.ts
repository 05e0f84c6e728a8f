import { ListObjectVersionsCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchWriter } from '../../../src/backup/batch-writer.js';
import { PartitionBatch } from '../../../src/backup/partition-batch.js';
import { manifestOnlyPipeline } from '../../../src/streams/stream-pipeline.js';
import { ExitCode } from '../../../src/exit-codes.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import type { ManifestStream } from '../../../src/storage/manifest.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { writeOffsetSnapshot } from '../../../src/storage/offset-snapshot.js';
import { writeRetentionGap } from '../../../src/storage/retention-gap.js';
import { S3ObjectStore } from '../../../src/storage/s3-object-store.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { uniqueName } from '../../helpers/names.js';
import { runCliCaptured } from '../../helpers/run-cli-captured.js';
import { createBucket, s3ClientFor, type S3Server } from '../../helpers/s3-server.js';
import { startS3MockServer } from '../../helpers/s3mock-server.js';
import { sharedKafkaBrokers } from '../../helpers/shared-servers.js';
import { makeBackup, makeRecord, newStateDir, origin, readTopic, restoreEnv, runRestoreCli, sha256, type Backup } from '../restore/restore-fixtures.js';

const DAY = 86_400_000;
const OLD = Date.now() - 40 * DAY;
const NEW = Date.now() - 3_600_000;

/** A batch of `count` records from `firstOffset`, record i at `ts + i`, referencing `streams` (content) from its first record. */
async function writeBatch(store: ObjectStore, layout: KeyLayout, topic: string, partition: number, firstOffset: number, count: number, ts: number, streams: Buffer[] = []): Promise<void> {
  const pair = { source: 'samples', event: 'sourced', topic };
  const batch = new PartitionBatch(topic, partition, 0);
  for (let i = 0; i < count; i++) {
    const record = makeRecord(topic, partition, firstOffset + i, BigInt(ts + i));
    const refs: ManifestStream[] = i === 0 ? streams.map((c) => ({ source: 'samples', label: 'content', sha256: sha256(c), timestamp: record.timestamp })) : [];
    batch.add(record, 0, { streams: refs, malformed: false });
  }
  for (const content of streams) await store.put(layout.streamKey(sha256(content)), content, { metadata: { sha256: sha256(content) } });
  await new BatchWriter({ store, layout, codec: 'deflate', streamSink: manifestOnlyPipeline(), now: () => new Date() }).write(pair, batch);
}

async function listing(store: ObjectStore, prefix = ''): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for await (const o of store.list(prefix)) found.set(o.key, o.size);
  return found;
}

function lockBody(kind: 'prune' | 'writer', holder: string, time: Date): Buffer {
  return Buffer.from(JSON.stringify({ format: 'streamvault.lock', kind, holder, host: 'elsewhere', pid: 4242, time: time.toISOString() }));
}

const shared = Buffer.from('shared blob, referenced by an old and a new batch');
const oldOnly = Buffer.from('blob only the old batch of partition 0 references');
const oldOnly1 = Buffer.from('blob only the old batch of partition 1 references'.repeat(50));
const newOnly = Buffer.from('blob only the new batch references');
const orphan = Buffer.from('blob no manifest references');

describe('streamvault prune --keep-within (s3rver)', { timeout: 240_000 }, () => {
  let backup: Backup;
  let env: NodeJS.ProcessEnv;
  let expectedGone: string[];
  let before: Map<string, number>;

  beforeAll(async () => {
    backup = await makeBackup();
    const { store, layout, topic } = backup;
    await writeBatch(store, layout, topic, 0, 0, 10, OLD, [shared, oldOnly]);
    await writeBatch(store, layout, topic, 0, 10, 10, NEW, [shared, newOnly]);
    await writeBatch(store, layout, topic, 1, 0, 5, OLD, [oldOnly1]);
    await store.put(layout.streamKey(sha256(orphan)), orphan, { metadata: { sha256: sha256(orphan) } });
    await store.put(layout.streamMissingKey(sha256(Buffer.from('missing old'))), Buffer.from('{}'));
    await store.put(layout.streamMissingKey(sha256(newOnly)), Buffer.from('{"kept":true}'));
    // Offset snapshots: two before the cutoff (only the newer one stays), one inside the window.
    for (const at of [OLD - DAY, OLD, NEW]) {
      await writeOffsetSnapshot(store, layout, { format: 'streamvault.consumer-offsets', version: 1, topic, takenAt: new Date(at).toISOString(), backedUp: [{ partition: 0, below: '20' }], groups: [] });
    }
    await writeRetentionGap(store, layout, {
      format: 'streamvault.retention-gap', version: 1, source: 'samples', event: 'sourced', topic, partition: 1, from: '100', to: '120',
      continuedFrom: 'backup-end', logStartOffset: '121', noticedAt: new Date(OLD).toISOString(), host: 'h',
    });
    env = restoreEnv(backup, sharedKafkaBrokers(), newStateDir(), { STREAMVAULT_RESTORE_STREAM_TARGET: 'none' });
    before = await listing(store);
    const p0 = (o: number) => `p000000/${String(o).padStart(20, '0')}`;
    expectedGone = [
      ...[...before.keys()].filter((k) => k.startsWith(`events/samples/sourced/${p0(0)}`) || k.startsWith('events/samples/sourced/p000001/')),
      `manifests/samples/sourced/${p0(0)}.json`,
      'manifests/samples/sourced/p000001/00000000000000000000.json',
      layout.streamKey(sha256(oldOnly)),
      layout.streamKey(sha256(oldOnly1)),
      layout.streamKey(sha256(orphan)),
      layout.streamMissingKey(sha256(Buffer.from('missing old'))),
      layout.offsetSnapshotKey(topic, new Date(OLD - DAY)),
    ].sort();
    expect(expectedGone.filter((k) => k.startsWith('events/'))).toHaveLength(2);
  });

  it('refuses with exit 8 while a backup daemon holds a fresh writer lock, deleting nothing; a stale one does not stop it', async () => {
    const key = backup.layout.writerLockKey('elsewhere', 4242);
    await backup.store.put(key, lockBody('writer', 'daemon', new Date()));
    const refused = await runCliCaptured(['prune', '--keep-within', '30d'], env);
    expect(refused.code, refused.err).toBe(ExitCode.locationLocked);
    expect(refused.err).toMatch(/backup daemon is writing/);
    const after = await listing(backup.store);
    after.delete(key);
    expect(after).toEqual(before);
    // Stale (last refreshed 10 minutes ago): ignored. The dry run takes no lock anyway; the real run is below.
    await backup.store.put(key, lockBody('writer', 'daemon', new Date(Date.now() - 600_000)));
  });

  it('--dry-run lists exactly what would go and its bytes, and deletes nothing', async () => {
    const dry = await runCliCaptured(['prune', '--keep-within', '30d', '--dry-run', '--json'], env);
    expect(dry.code, dry.err).toBe(0);
    const plan = JSON.parse(dry.out) as { bytes: number; keptBatches: number; deleted: Record<string, Array<{ key: string; bytes: number }>> };
    const listed = Object.values(plan.deleted).flat();
    expect(listed.map((d) => d.key).sort()).toEqual(expectedGone);
    expect(plan.bytes).toBe(expectedGone.reduce((sum, k) => sum + before.get(k)!, 0));
    expect(plan.keptBatches).toBe(1);
    const after = await listing(backup.store, '');
    for (const key of before.keys()) expect(after.has(key), key).toBe(true);
    const text = await runCliCaptured(['prune', '--keep-within', '30d', '--dry-run'], env);
    expect(text.out).toContain(`would free`);
    expect(text.out).toContain(`(${plan.bytes} bytes)`);
  });

  it('deletes exactly the expired batches, the streams and markers only they referenced, old snapshots; a restore brings back exactly the kept events', async () => {
    const run = await runCliCaptured(['prune', '--keep-within', '30d'], env);
    expect(run.code, run.err).toBe(0);
    const after = await listing(backup.store);
    const gone = [...before.keys()].filter((k) => !after.has(k)).sort();
    expect(gone).toEqual(expectedGone);
    expect([...after.keys()].filter((k) => !before.has(k))).toEqual([backup.layout.writerLockKey('elsewhere', 4242)]); // the stale lock is not prune's; its own is gone
    expect(after.has(backup.layout.streamKey(sha256(shared)))).toBe(true);
    expect(after.has(backup.layout.streamKey(sha256(newOnly)))).toBe(true);
    expect(after.has('locks/prune.json')).toBe(false);

    const restored = await runRestoreCli(['--json'], env);
    expect(restored.code, `${restored.stdout}\n${restored.stderr}`).toBe(0);
    const records = await readTopic(sharedKafkaBrokers(), backup.topic);
    expect(records.map(origin).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `0:${10 + i}`).sort());

    // Nothing left to prune: a second run deletes nothing.
    const again = await runCliCaptured(['prune', '--keep-within', '30d', '--json'], env);
    expect(again.code, again.err).toBe(0);
    expect((JSON.parse(again.out) as { bytes: number }).bytes).toBe(0);
    expect(await listing(backup.store)).toEqual(after);
  });

  it('rejects a malformed --keep-within with exit 2', async () => {
    const bad = await runCliCaptured(['prune', '--keep-within', '30 days'], env);
    expect(bad.code).toBe(ExitCode.badConfiguration);
    expect(bad.err).toMatch(/expected a positive number followed by s, m, h, d or w/);
  });
});

describe('prune lock on S3Mock (enforces If-None-Match / If-Match) and versioned buckets', { timeout: 240_000 }, () => {
  let s3mock: S3Server;
  beforeAll(async () => {
    s3mock = withCleanup(await startS3MockServer());
  }, 240_000);

  async function mockBackup(versioned = false): Promise<{ store: S3ObjectStore; layout: KeyLayout; env: NodeJS.ProcessEnv; bucket: string }> {
    const client = s3ClientFor(s3mock);
    const bucket = uniqueName('prune');
    await createBucket(client, bucket);
    if (versioned) await client.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const store = new S3ObjectStore(client, bucket);
    const layout = new KeyLayout('');
    await writeBatch(store, layout, 'orig', 0, 0, 3, OLD, [oldOnly]);
    await writeBatch(store, layout, 'orig', 0, 3, 3, NEW, [shared]);
    const env = { ...restoreEnv({ bucket }, sharedKafkaBrokers(), newStateDir()), STREAMVAULT_S3_ENDPOINT: s3mock.endpoint };
    return { store, layout, env, bucket };
  }

  it("a second prune exits 8 while another prune's lock is fresh, leaving it and the data alone; a stale lock is taken over", async () => {
    const { store, layout, env } = await mockBackup();
    const key = layout.pruneLockKey();
    await store.put(key, lockBody('prune', 'the-other-prune', new Date()));
    const before = await listing(store);
    const refused = await runCliCaptured(['prune', '--keep-within', '7d'], env);
    expect(refused.code, refused.err).toBe(ExitCode.locationLocked);
    expect(refused.err).toMatch(/another prune holds the lock.*the-other-prune/);
    expect(await listing(store)).toEqual(before);
    expect(JSON.parse((await store.get(key)).toString()).holder).toBe('the-other-prune');

    await store.put(key, lockBody('prune', 'the-other-prune', new Date(Date.now() - 600_000)));
    const taken = await runCliCaptured(['prune', '--keep-within', '7d'], env);
    expect(taken.code, taken.err).toBe(0);
    const after = await listing(store);
    expect(after.has(key)).toBe(false);
    expect([...after.keys()].filter((k) => k.startsWith('manifests/'))).toEqual(['manifests/samples/sourced/p000000/00000000000000000003.json']);
    expect(after.has(layout.streamKey(sha256(oldOnly)))).toBe(false);
    expect(after.has(layout.streamKey(sha256(shared)))).toBe(true);
  });

  it('a backup refuses to start writing (exit 8) while a prune lock is fresh', async () => {
    const { store, layout, env } = await mockBackup();
    await store.put(layout.pruneLockKey(), lockBody('prune', 'running-prune', new Date()));
    const backupEnv = { ...env, STREAMVAULT_SOURCES: '', STREAMVAULT_EVENT_TYPES: '', STREAMVAULT_EXTRA_PAIRS: 'samples/sourced', STREAMVAULT_TOPICS: `samples/sourced=${uniqueName('t')}`, STREAMVAULT_METRICS_PORT: '0', STREAMVAULT_METRICS_HOST: '127.0.0.1' };
    const refused = await runCliCaptured(['backup', '--once'], backupEnv);
    expect(refused.code, refused.err).toBe(ExitCode.locationLocked);
    expect(refused.err).toMatch(/a prune is running on this location/);
    expect([...(await listing(store, layout.writerLocksPrefix())).keys()]).toEqual([]);
  });

  it('on a versioned bucket it warns that deleted data stays as noncurrent versions (and it does)', async () => {
    const { store, layout, env, bucket } = await mockBackup(true);
    const client = s3ClientFor(s3mock);
    const dry = await runCliCaptured(['prune', '--keep-within', '7d', '--dry-run'], env);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.err).toMatch(/versioning Enabled: prune's deletes only add delete markers/);
    const run = await runCliCaptured(['prune', '--keep-within', '7d'], env);
    expect(run.code, run.err).toBe(0);
    const oldStream = layout.streamKey(sha256(oldOnly));
    const versions = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: oldStream }));
    // (S3Mock's ListObjectsV2 on a versioned bucket still names delete-marked keys, so HEAD tells.)
    expect(await store.head(oldStream)).toBeUndefined();
    expect(await store.head('manifests/samples/sourced/p000000/00000000000000000000.json')).toBeUndefined();
    expect(await store.head(layout.streamKey(sha256(shared)))).toBeDefined();
    // The deleted stream's bytes are still there, as a noncurrent version behind a delete marker.
    expect(versions.DeleteMarkers?.length).toBe(1);
    expect(versions.Versions?.map((v) => [v.IsLatest, v.Size])).toEqual([[false, oldOnly.length]]);
  });
});
