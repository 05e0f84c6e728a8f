import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../../src/storage/s3-object-store.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { startKafkaBroker } from '../../helpers/kafka-broker.js';
import { createBucket, s3ClientFor } from '../../helpers/s3-server.js';
import { sharedS3Endpoint } from '../../helpers/shared-servers.js';
import { uniqueName } from '../../helpers/names.js';
import { startStreamServer, type StreamServer } from '../../helpers/stream-server.js';
import { jsonLines, makeBackup, newStateDir, readTopic, restoreEnv, runRestoreCli, sha256, writeBatch, type Backup } from './restore-fixtures.js';

/**
 * Three blobs: `a` referenced under two labels (content, safe_png), `b` and `c` under content.
 * Four (source, label, sha256) references in all.
 */
async function backupWithBlobs(): Promise<{ backup: Backup; a: Buffer; b: Buffer; c: Buffer }> {
  const backup = await makeBackup();
  const a = Buffer.from('blob-a '.repeat(300));
  const b = Buffer.from('blob-b');
  const c = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256)); // binary, not tiny
  await writeBatch(backup, 0, 0, 20, [
    { label: 'content', content: a, offset: 2 },
    { label: 'safe_png', content: a, offset: 3 },
    { label: 'content', content: b, offset: 9 },
  ]);
  await writeBatch(backup, 1, 0, 10, [{ label: 'content', content: c, offset: 4 }]);
  return { backup, a, b, c };
}

const summaryOf = (stdout: string) => {
  const summary = jsonLines(stdout).at(-1)!;
  expect(summary.message_type).toBe('summary');
  return summary;
};

const postedRefs = (streams: StreamServer) => streams.posted.map((p) => `${p.source}/${p.label}/${p.sha256}`).sort();

describe('streamvault restore: stream targets', { timeout: 300_000 }, () => {
  it('STREAMVAULT_RESTORE_STREAM_TARGET=s3 writes each blob once per (source, label), byte-identical, and nothing else', async () => {
    const { backup, a, b, c } = await backupWithBlobs();
    const client = s3ClientFor(sharedS3Endpoint());
    const targetBucket = uniqueName('streams-target');
    await createBucket(client, targetBucket);
    const targetStore = new S3ObjectStore(client, targetBucket);
    const broker = withCleanup(await startKafkaBroker({ startTimeoutMs: 180_000 }));
    const env = restoreEnv(backup, broker.brokers, newStateDir(), {
      STREAMVAULT_RESTORE_STREAM_TARGET: 's3',
      STREAMVAULT_RESTORE_STREAM_BUCKET: targetBucket,
    });

    const run = await runRestoreCli(['--json'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(summaryOf(run.stdout)).toMatchObject({
      error_count: 0,
      streams_planned: 3,
      streams_posted: 4,
      streams_skipped_existing: 0,
      streams_failed: 0,
      events_restored: backup.records.length,
    });

    // Default key template {source}/{label}/{sha256}: exactly the four references, nothing else.
    const expected = new Map([
      [`samples/content/${sha256(a)}`, a],
      [`samples/safe_png/${sha256(a)}`, a],
      [`samples/content/${sha256(b)}`, b],
      [`samples/content/${sha256(c)}`, c],
    ]);
    const listed: Array<{ key: string; size: number }> = [];
    for await (const o of targetStore.list('')) listed.push({ key: o.key, size: o.size });
    expect(listed.map((o) => o.key).sort()).toEqual([...expected.keys()].sort());
    for (const { key, size } of listed) {
      const want = expected.get(key)!;
      const body = await targetStore.get(key);
      expect(size, key).toBe(want.length);
      expect(sha256(body), key).toBe(key.split('/').at(-1));
      expect(body.equals(want), key).toBe(true);
      expect((await targetStore.head(key))!.metadata.sha256, key).toBe(sha256(want));
    }
    // The events went to the broker as usual.
    expect(await readTopic(broker.brokers, backup.topic)).toHaveLength(backup.records.length);
  });

  it('fails with exit 2 and a clear message when the s3 target bucket does not exist, and creates nothing', async () => {
    const { backup } = await backupWithBlobs();
    const client = s3ClientFor(sharedS3Endpoint());
    const missing = uniqueName('streams-missing');
    const stateDir = newStateDir();
    // No broker: a restore that got past the check would fail on it, not exit 2.
    const env = restoreEnv(backup, ['127.0.0.1:1'], stateDir, {
      STREAMVAULT_RESTORE_STREAM_TARGET: 's3',
      STREAMVAULT_RESTORE_STREAM_BUCKET: missing,
    });

    const run = await runRestoreCli(['--json'], env);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      `STREAMVAULT_RESTORE_STREAM_BUCKET: expected an existing bucket, got ${missing} which does not exist (restore never creates buckets)`,
    );
    expect(await new S3ObjectStore(client, missing).bucketExists()).toBe(false);
    expect(existsSync(join(stateDir, 'restore'))).toBe(false);
  });

  it('--skip-existing-streams posts only what the HTTP target lacks under that (source, label); without it everything is posted', async () => {
    const { backup, a, b, c } = await backupWithBlobs();
    // The target already has b under samples/content, and a under samples/content only (not under
    // safe_png); c only under another label, which does not count for samples/content.
    const preload = (streams: StreamServer) => {
      streams.put('samples', 'content', b);
      streams.put('samples', 'content', a);
      streams.put('samples', 'other', c);
    };

    const streams = withCleanup(await startStreamServer());
    preload(streams);
    const broker = withCleanup(await startKafkaBroker({ startTimeoutMs: 180_000 }));
    const run = await runRestoreCli(
      ['--json', '--skip-existing-streams'],
      restoreEnv(backup, broker.brokers, newStateDir(), { STREAMVAULT_RESTORE_STREAM_URL: streams.baseUrl }),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(summaryOf(run.stdout)).toMatchObject({
      error_count: 0,
      streams_planned: 3,
      streams_posted: 2,
      streams_skipped_existing: 2,
      streams_failed: 0,
    });
    // Asked about every reference at the blob's own URL (the default existence template; not the
    // POST URL, whose query string the platform's default carries), then posted only the two the
    // target lacks, with their bytes, as the platform's restore request. Regression: the check used
    // to be the POST URL + `/{sha256}`, i.e. `...&expected-sha256=X/X`, which missed the blob route,
    // so every blob was posted again.
    const gets = streams.requests.filter((r) => r.method === 'GET');
    expect(gets.map((r) => r.path).sort()).toEqual(
      [`samples/content/${sha256(a)}`, `samples/safe_png/${sha256(a)}`, `samples/content/${sha256(b)}`, `samples/content/${sha256(c)}`]
        .map((ref) => `/api/v3/stream/${ref}`)
        .sort(),
    );
    for (const get of gets) expect(get.query).toEqual({});
    const posts = streams.requests.filter((r) => r.method === 'POST');
    expect(posts.map((r) => r.path).sort()).toEqual(['/api/v3/stream/samples/content', '/api/v3/stream/samples/safe_png']);
    expect(posts.map((r) => r.query).sort((x, y) => x['expected-sha256']!.localeCompare(y['expected-sha256']!))).toEqual(
      [sha256(a), sha256(c)].sort().map((sha) => ({ 'skip-identify': 'true', 'expected-sha256': sha })),
    );
    expect(postedRefs(streams)).toEqual([`samples/content/${sha256(c)}`, `samples/safe_png/${sha256(a)}`].sort());
    expect(streams.posted.some((p) => p.sha256 === sha256(b))).toBe(false);
    for (const p of streams.posted) {
      expect(p).toMatchObject({ expectedSha256: p.sha256, expectedSha256In: 'query', skipIdentify: true });
      expect(p.size).toBe(backup.blobs.get(p.sha256)!.length);
      expect(streams.get(p.sha256)!.equals(backup.blobs.get(p.sha256)!)).toBe(true);
    }
    expect(await readTopic(broker.brokers, backup.topic)).toHaveLength(backup.records.length);

    // Same backup, a fresh target preloaded the same way, no flag: nothing is asked, all is posted.
    const fresh = withCleanup(await startStreamServer());
    preload(fresh);
    const freshBroker = withCleanup(await startKafkaBroker({ startTimeoutMs: 180_000 }));
    const again = await runRestoreCli(['--json'], restoreEnv(backup, freshBroker.brokers, newStateDir(), { STREAMVAULT_RESTORE_STREAM_URL: fresh.baseUrl }));
    expect(again.code, again.stderr).toBe(0);
    expect(summaryOf(again.stdout)).toMatchObject({ error_count: 0, streams_posted: 4, streams_skipped_existing: 0, streams_failed: 0 });
    expect(fresh.requests.filter((r) => r.method === 'GET')).toEqual([]);
    expect(postedRefs(fresh)).toEqual(
      [`samples/content/${sha256(a)}`, `samples/safe_png/${sha256(a)}`, `samples/content/${sha256(b)}`, `samples/content/${sha256(c)}`].sort(),
    );
    for (const p of fresh.posted) {
      expect(p.expectedSha256).toBe(p.sha256);
      expect(fresh.get(p.sha256)!.equals(backup.blobs.get(p.sha256)!)).toBe(true);
    }
  });

  it('percent-encodes source and label alike in the POST and the existence check; a template without {sha256} sends the hash as a header', async () => {
    const backup = await makeBackup();
    const label = 'notes & more?#1 %';
    const present = Buffer.from('already at the target');
    const absent = Buffer.from('not yet at the target');
    await writeBatch(backup, 0, 0, 5, [
      { label, content: present, offset: 1 },
      { label, content: absent, offset: 2 },
    ]);
    const encoded = encodeURIComponent(label);

    const streams = withCleanup(await startStreamServer());
    streams.put('samples', label, present);
    // Streams only: no broker is needed (and none is reachable at this address).
    const run = await runRestoreCli(
      ['--json', '--what', 'streams', '--skip-existing-streams'],
      restoreEnv(backup, ['127.0.0.1:1'], newStateDir(), { STREAMVAULT_RESTORE_STREAM_URL: streams.baseUrl }),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(summaryOf(run.stdout)).toMatchObject({ error_count: 0, streams_posted: 1, streams_skipped_existing: 1, streams_failed: 0 });
    expect(streams.requests.filter((r) => r.method === 'GET').map((r) => r.path).sort()).toEqual(
      [sha256(present), sha256(absent)].map((sha) => `/api/v3/stream/samples/${encoded}/${sha}`).sort(),
    );
    expect(streams.requests.filter((r) => r.method === 'POST').map((r) => [r.path, r.query])).toEqual([
      [`/api/v3/stream/samples/${encoded}`, { 'skip-identify': 'true', 'expected-sha256': sha256(absent) }],
    ]);
    expect(streams.posted).toEqual([
      { source: 'samples', label, sha256: sha256(absent), size: absent.length, expectedSha256: sha256(absent), expectedSha256In: 'query', skipIdentify: true },
    ]);
    expect(streams.get(sha256(absent))!.equals(absent)).toBe(true);

    // An older stream service's template, hash not in the URL: the header carries it.
    const older = withCleanup(await startStreamServer());
    const again = await runRestoreCli(
      ['--json', '--what', 'streams'],
      restoreEnv(backup, ['127.0.0.1:1'], newStateDir(), {
        STREAMVAULT_RESTORE_STREAM_URL: older.baseUrl,
        STREAMVAULT_RESTORE_STREAM_URL_TEMPLATE: '{base}/api/v3/stream/{source}/{label}',
      }),
    );
    expect(again.code, again.stderr).toBe(0);
    expect(older.requests.map((r) => [r.method, r.path, r.query])).toEqual([
      ['POST', `/api/v3/stream/samples/${encoded}`, {}],
      ['POST', `/api/v3/stream/samples/${encoded}`, {}],
    ]);
    expect(older.posted.map((p) => [p.label, p.sha256, p.expectedSha256In]).sort()).toEqual(
      [[label, sha256(present), 'header'], [label, sha256(absent), 'header']].sort(),
    );
  });
});
