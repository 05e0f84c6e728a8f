import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { S3ObjectStore } from '../../../src/storage/s3-object-store.js';
import { verifyBackup } from '../../../src/verify/verify-backup.js';
import { backupEnv } from '../../helpers/backup-env.js';
import { MissingStreamMarkers } from '../../../src/streams/missing-stream-markers.js';
import { flipOneBit, writeFixtureBackup, type FixtureBackup } from '../../helpers/backup-fixture.js';
import { uniqueName } from '../../helpers/names.js';
import { createBucket, s3ClientFor } from '../../helpers/s3-server.js';
import { sharedKafkaBrokers, sharedS3Endpoint } from '../../helpers/shared-servers.js';
import { spawnStreamvault } from '../../helpers/streamvault-process.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const layout = new KeyLayout('');

type Damage = 'none' | 'deleted' | 'truncated' | 'bit-flip';

interface Fixture {
  bucket: string;
  store: S3ObjectStore;
  backup: FixtureBackup;
  /** The damaged events object key, when damaged. */
  victim: string | undefined;
}

async function makeFixture(damage: Damage): Promise<Fixture> {
  const bucket = uniqueName(`verify-${damage}`);
  const client = s3ClientFor(sharedS3Endpoint());
  await createBucket(client, bucket);
  const store = new S3ObjectStore(client, bucket);
  const backup = await writeFixtureBackup(store, layout);
  const victim = damage === 'none' ? undefined : backup.entries[3]!.key;
  if (victim) {
    const body = await store.get(victim);
    if (damage === 'deleted') await store.delete(victim);
    if (damage === 'truncated') await store.put(victim, body.subarray(0, body.length - 100));
    if (damage === 'bit-flip') await store.put(victim, flipOneBit(body));
  }
  return { bucket, store, backup, victim };
}

function envFor(bucket: string): Record<string, string> {
  return backupEnv({ brokers: sharedKafkaBrokers(), s3Endpoint: sharedS3Endpoint(), bucket, stateDir: makeTempDir('state-'), extra: { STREAMVAULT_LOG_LEVEL: 'warn' } });
}

async function runCli(bucket: string, args: string[]): Promise<{ code: number; lines: Array<Record<string, unknown>>; stdout: string; stderr: string }> {
  const child = spawnStreamvault(args, envFor(bucket));
  const code = await child.exited;
  const stdout = child.stdout();
  const lines = args.includes('--json') && args[0] !== 'stats' ? stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : [];
  return { code, lines, stdout, stderr: child.stderrText() };
}

const summaryOf = (lines: Array<Record<string, unknown>>) => lines.find((l) => l.message_type === 'summary')!;

const fixtures = new Map<Damage, Fixture>();
beforeAll(async () => {
  for (const damage of ['none', 'deleted', 'truncated', 'bit-flip'] as const) fixtures.set(damage, await makeFixture(damage));
});

describe('streamvault verify (built CLI, real S3)', () => {
  // The expected report for each damaged backup: what the structure check and --read-data name.
  const expected: Record<Damage, { structure: { missing: boolean; corrupt: boolean }; readData: { missing: boolean; corrupt: boolean } }> = {
    none: { structure: { missing: false, corrupt: false }, readData: { missing: false, corrupt: false } },
    deleted: { structure: { missing: true, corrupt: false }, readData: { missing: true, corrupt: false } },
    truncated: { structure: { missing: false, corrupt: true }, readData: { missing: false, corrupt: true } },
    'bit-flip': { structure: { missing: false, corrupt: false }, readData: { missing: false, corrupt: true } },
  };

  it.each(['none', 'deleted', 'truncated', 'bit-flip'] as const)('reports the %s backup as expected', async (damage) => {
    const f = fixtures.get(damage)!;
    for (const mode of ['structure', 'readData'] as const) {
      const args = mode === 'readData' ? ['verify', '--read-data', '--json'] : ['verify', '--json'];
      const { code, lines, stderr } = await runCli(f.bucket, args);
      const summary = summaryOf(lines);
      const want = expected[damage][mode];
      const wantMissing = want.missing ? [f.victim] : [];
      const wantCorrupt = want.corrupt ? [f.victim] : [];
      expect({ mode, missing: summary.missing, corrupt: summary.corrupt }).toEqual({ mode, missing: wantMissing, corrupt: wantCorrupt });
      expect({ mode, code }, stderr).toEqual({ mode, code: want.missing || want.corrupt ? 4 : 0 });
      expect(summary.error_count).toBe(wantMissing.length + wantCorrupt.length);
      // Every error is also reported as it happens, naming the key.
      expect(lines.filter((l) => l.message_type === 'error').map((l) => l.item)).toEqual([...wantMissing, ...wantCorrupt]);
      const statuses = lines.filter((l) => l.message_type === 'status').map((l) => l.percent_done as number);
      expect(statuses).toEqual([...statuses].sort((a, b) => a - b));
      if (mode === 'readData' && damage === 'none') {
        expect(summary.objects_read).toBe(f.backup.entries.length + f.backup.blobs.size);
        expect(statuses.at(-1)).toBe(1);
      }
    }
  });

  it('exits 0 with a warning for a stream unavailable at the source (marker), and 4 for a stored stream deleted (damage)', async () => {
    const f = await makeFixture('none');
    const [neverAtSource, deleted] = [...f.backup.blobs.keys()];
    await f.store.delete(layout.streamKey(neverAtSource!));
    const at = '2026-06-01T00:00:00.000Z';
    await new MissingStreamMarkers(f.store, layout).write(
      { source: 'samples', label: 'content', sha256: neverAtSource! },
      { firstSeen: at, lastTried: at, attempts: 5, reason: 'GET answered 404' },
    );
    const healthy = await runCli(f.bucket, ['verify', '--json']);
    expect(healthy.code, healthy.stderr).toBe(0);
    expect(summaryOf(healthy.lines)).toMatchObject({ missing: [], unavailable_at_source: [neverAtSource], error_count: 0 });
    const text = await runCli(f.bucket, ['verify']);
    expect(text.stdout).toContain(`warning: stream ${neverAtSource} was unavailable at the source`);

    await f.store.delete(layout.streamKey(deleted!));
    const damaged = await runCli(f.bucket, ['verify', '--json']);
    expect(damaged.code).toBe(4);
    expect(summaryOf(damaged.lines)).toMatchObject({ missing: [layout.streamKey(deleted!)], unavailable_at_source: [neverAtSource] });
  });

  it('reads every object exactly once across --read-data-subset 1/3, 2/3 and 3/3', async () => {
    const f = fixtures.get('none')!;
    let total = 0;
    for (const part of ['1/3', '2/3', '3/3']) {
      const { code, lines } = await runCli(f.bucket, ['verify', '--read-data-subset', part, '--json']);
      expect(code).toBe(0);
      total += summaryOf(lines).objects_read as number;
    }
    expect(total).toBe(f.backup.entries.length + f.backup.blobs.size);

    // Key by key, through a store that records what S3 really served.
    const served: string[] = [];
    const real = f.store;
    const recording: ObjectStore = {
      bucket: real.bucket,
      put: (key, body, options) => real.put(key, body, options),
      putStream: (key, body, options) => real.putStream(key, body, options),
      get: (key) => real.get(key),
      getStream: async (key: string): Promise<Readable> => {
        served.push(key);
        return real.getStream(key);
      },
      getStreamWithMetadata: async (key: string) => {
        served.push(key);
        return real.getStreamWithMetadata(key);
      },
      head: (key) => real.head(key),
      list: (prefix) => real.list(prefix),
      delete: (key) => real.delete(key),
      bucketExists: () => real.bucketExists(),
      createBucket: () => real.createBucket(),
    };
    for (const n of [1, 2, 3]) await verifyBackup({ store: recording, layout }, { readData: true, subset: { kind: 'part', n, t: 3 } });
    const everything = [...f.backup.entries.map((e) => e.key), ...[...f.backup.blobs.keys()].map((sha) => layout.streamKey(sha))];
    expect(served.filter((k) => !k.startsWith('manifests/')).sort()).toEqual(everything.sort());
  });

  it('refuses a bad --read-data-subset with exit 2', async () => {
    const { code, stderr } = await runCli(fixtures.get('none')!.bucket, ['verify', '--read-data-subset', '4/3']);
    expect(code).toBe(2);
    expect(stderr).toContain('expected n/t with 1 <= n <= t');
  });
});

describe('streamvault stats and get (built CLI, real S3)', () => {
  it('stats --json counts batches, events, bytes, timestamps, streams and dedup', async () => {
    const f = fixtures.get('none')!;
    const { code, stdout } = await runCli(f.bucket, ['stats', '--json']);
    expect(code).toBe(0);
    const stats = JSON.parse(stdout) as {
      pairs: Array<{ source: string; event: string; batches: number; events: number; bytes: number; firstTimestamp: number | string; lastTimestamp: number | string }>;
      streams: { stored: number; storedBytes: number; references: number; referenced: number; dedupSavedBytes: number };
    };
    for (const pair of stats.pairs) {
      const mine = f.backup.entries.filter((e) => e.source === pair.source && e.event === pair.event);
      expect(pair.batches).toBe(mine.length);
      expect(pair.events).toBe(mine.reduce((n, e) => n + e.count, 0));
      expect(pair.bytes).toBe(mine.reduce((n, e) => n + e.bytes, 0));
      expect(BigInt(pair.firstTimestamp)).toBe(mine.map((e) => e.minTimestamp).reduce((a, b) => (b < a ? b : a)));
      expect(BigInt(pair.lastTimestamp)).toBe(mine.map((e) => e.maxTimestamp).reduce((a, b) => (b > a ? b : a)));
    }
    expect(stats.pairs).toHaveLength(2);
    // Every blob in the fixture is distinct and referenced once: nothing saved.
    expect(stats.streams.stored).toBe(f.backup.blobs.size);
    expect(stats.streams.storedBytes).toBe([...f.backup.blobs.values()].reduce((n, b) => n + b.length, 0));
    expect(stats.streams.referenced).toBe(f.backup.blobs.size);
    expect(stats.streams.dedupSavedBytes).toBe(0);
  });

  it('get stream -o writes a verified blob, and refuses a damaged one leaving no file', async () => {
    const f = fixtures.get('none')!;
    const [sha256, content] = [...f.backup.blobs.entries()][0]!;
    const dir = makeTempDir('get-');
    const target = join(dir, 'blob.bin');
    const ok = await runCli(f.bucket, ['get', 'stream', sha256, '-o', target]);
    expect(ok.code).toBe(0);
    expect(readFileSync(target).equals(content)).toBe(true);

    const damaged = fixtures.get('bit-flip')!;
    const [badSha, badContent] = [...damaged.backup.blobs.entries()][1]!;
    await damaged.store.put(layout.streamKey(badSha), flipOneBit(badContent));
    const badTarget = join(dir, 'bad.bin');
    const bad = await runCli(damaged.bucket, ['get', 'stream', badSha, '-o', badTarget]);
    expect(bad.code).toBe(4);
    expect(bad.stderr).toContain(`expected content hashing to ${badSha}`);
    expect(existsSync(badTarget)).toBe(false);
    expect(readdirSync(dir)).toEqual(['blob.bin']);
    await damaged.store.put(layout.streamKey(badSha), badContent);

    const absentSha = 'ab'.repeat(32);
    const absent = await runCli(f.bucket, ['get', 'stream', absentSha, '-o', join(dir, 'absent.bin')]);
    expect(absent.code).toBe(4);
    expect(absent.stderr).toContain(`stream ${absentSha} is not in the backup (no object at ${layout.streamKey(absentSha)})`);
    expect(readdirSync(dir)).toEqual(['blob.bin']);
  });

  it('get events --json prints the records of one batch exactly', async () => {
    const f = fixtures.get('none')!;
    const entry = f.backup.entries[0]!;
    const { code, lines } = await runCli(f.bucket, ['get', 'events', entry.key, '--json']);
    expect(code).toBe(0);
    expect(lines).toHaveLength(entry.count);
    expect(lines.map((l) => l.offset)).toEqual(Array.from({ length: entry.count }, (_, i) => String(Number(entry.firstOffset) + i)));
    const first = lines[0]!;
    expect(first).toMatchObject({ topic: entry.topic, partition: entry.partition, value_encoding: 'base64', key: Buffer.from('k0').toString('base64') });
    expect(Buffer.from(first.value as string, 'base64').toString()).toBe(`value ${entry.topic} ${entry.partition} 0`);

    const absentKey = entry.key.replace(/\/\d{20}-/, `/${'9'.repeat(20)}-`);
    const absent = await runCli(f.bucket, ['get', 'events', absentKey, '--json']);
    expect(absent.code).toBe(4);
    expect(absent.stdout).toBe('');
    expect(absent.stderr).toContain(`no events object at ${absentKey}`);
  });
});
