import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withCleanup } from '../../helpers/cleanup.js';
import { startKafkaBroker } from '../../helpers/kafka-broker.js';
import { startStreamServer } from '../../helpers/stream-server.js';
import {
  BASE_TS,
  expectedHeaders,
  headersAsStrings,
  jsonLines,
  makeBackup,
  newStateDir,
  origin,
  readTopic,
  restoreEnv,
  runRestoreCli,
  sha256,
  writeBatch,
} from './restore-fixtures.js';

// Real Kafka clusters take tens of seconds to start on a loaded machine; several tests start one.
describe('streamvault restore', { timeout: 300_000 }, () => {
  it('restores every record and every blob identically into an empty broker and stream store; dry run writes nothing; progress parses', async () => {
    const backup = await makeBackup();
    const blobs = [Buffer.from('blob-one'), Buffer.from('blob-two'.repeat(1000)), Buffer.from('blob-three')];
    await writeBatch(backup, 0, 0, 40, [
      { label: 'content', content: blobs[0]!, offset: 3 },
      { label: 'safe_png', content: blobs[0]!, offset: 4 },
    ]);
    await writeBatch(backup, 0, 30, 30); // overlaps the first batch: a replayed batch
    await writeBatch(backup, 1, 0, 25, [{ label: 'content', content: blobs[1]!, offset: 10 }]);
    await writeBatch(backup, 3, 5, 20, [{ label: 'content', content: blobs[2]!, offset: 7 }]);
    const target = withCleanup(await startKafkaBroker({ startTimeoutMs: 180_000 }));
    const streams = withCleanup(await startStreamServer());
    const stateDir = newStateDir();
    const env = restoreEnv(backup, target.brokers, stateDir, { STREAMVAULT_RESTORE_STREAM_URL: streams.baseUrl });

    const dry = await runRestoreCli(['--dry-run', '--json'], env);
    expect(dry.code, dry.stderr).toBe(0);
    const [plan] = jsonLines(dry.stdout);
    expect(plan).toMatchObject({ message_type: 'plan', batches: 4, events: backup.records.length, streams: 3, stream_posts: 4 });
    expect(streams.requests).toEqual([]);
    expect(existsSync(join(stateDir, 'restore'))).toBe(false);

    const run = await runRestoreCli(['--json'], env);
    expect(run.code, run.stderr).toBe(0);
    const lines = jsonLines(run.stdout);
    const statuses = lines.filter((l) => l.message_type === 'status');
    const percents = statuses.map((l) => l.percent_done as number);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    const summary = lines.at(-1)!;
    expect(summary).toMatchObject({
      message_type: 'summary',
      total_files: plan!.total_files,
      total_bytes: plan!.total_bytes,
      files_done: plan!.total_files,
      bytes_done: plan!.total_bytes,
      error_count: 0,
      events_restored: backup.records.length,
    });
    expect(statuses.at(-1)!.percent_done).toBe(1);

    // Every blob, posted once per (source, label), with the expected sha256 announced.
    expect(streams.posted.map((p) => `${p.label}/${p.sha256}`).sort()).toEqual(
      [`content/${sha256(blobs[0]!)}`, `safe_png/${sha256(blobs[0]!)}`, `content/${sha256(blobs[1]!)}`, `content/${sha256(blobs[2]!)}`].sort(),
    );
    for (const p of streams.posted) {
      expect(p.expectedSha256).toBe(p.sha256);
      expect(streams.get(p.sha256)).toEqual(backup.blobs.get(p.sha256));
    }

    const restored = await readTopic(target.brokers, backup.topic);
    expect(restored).toHaveLength(backup.records.length);
    const byOrigin = new Map(restored.map((r) => [origin(r), r]));
    for (const record of backup.records) {
      const r = byOrigin.get(`${record.partition}:${record.offset}`);
      expect(r, `${record.partition}:${record.offset}`).toBeDefined();
      expect(r!.partition).toBe(record.partition);
      expect(r!.key).toEqual(record.key);
      expect(r!.value).toEqual(record.value);
      expect(r!.timestamp).toBe(String(record.timestamp));
      expect(headersAsStrings(r!.headers)).toEqual(expectedHeaders(record));
    }
    // Offset order within each partition is the original order.
    for (const p of [0, 1, 3]) {
      const offsets = restored.filter((r) => r.partition === p).sort((a, b) => Number(a.offset) - Number(b.offset)).map((r) => Number(origin(r).split(':')[1]));
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    }
  });

  it('ends with each record exactly once after several SIGKILLs at random moments', async () => {
    const backup = await makeBackup();
    for (const p of [0, 1, 2, 3]) for (let first = 0; first < 600; first += 100) await writeBatch(backup, p, first, 100);
    await writeBatch(backup, 2, 250, 100); // overlap
    const target = withCleanup(await startKafkaBroker({ startTimeoutMs: 180_000 }));
    const stateDir = newStateDir();
    const env = restoreEnv(backup, target.brokers, stateDir, {
      STREAMVAULT_RESTORE_STREAM_TARGET: 'none',
      STREAMVAULT_RESTORE_PRODUCE_BATCH_EVENTS: '20',
      // Slow enough that each of the runs below is still producing when its kill comes.
      STREAMVAULT_RESTORE_EVENTS_PER_SECOND: '150',
      STREAMVAULT_RESTORE_CONCURRENCY: '4',
    });
    const kills: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      // Kill at a random moment once events are being produced (after the target scan).
      const delay = Math.floor(Math.random() * 400);
      const killed = await runRestoreCli(['--json', i % 2 === 0 ? '--quick' : '--json'], env, { afterProducingMs: delay });
      kills.push(`${delay}ms:${killed.signal ?? killed.code}`);
    }
    const last = await runRestoreCli(['--json'], env);
    expect(last.code, `${kills.join(' ')}\n${last.stderr}`).toBe(0);
    const restored = await readTopic(target.brokers, backup.topic);
    const origins = restored.map(origin);
    const counts = new Map<string, number>();
    for (const o of origins) counts.set(o, (counts.get(o) ?? 0) + 1);
    const duplicates = [...counts].filter(([, n]) => n > 1);
    expect(duplicates, kills.join(' ')).toEqual([]);
    expect(new Set(origins)).toEqual(new Set(backup.records.map((r) => `${r.partition}:${r.offset}`)));
    // In order: each target partition holds its original partition's records by ascending original offset.
    for (const p of [0, 1, 2, 3]) {
      const inTarget = restored.filter((r) => r.partition === p).sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)));
      expect(inTarget.map((r) => origin(r).split(':')[0])).toEqual(inTarget.map(() => String(p)));
      const originals = inTarget.map((r) => Number(origin(r).split(':')[1]));
      expect(originals).toEqual([...originals].sort((a, b) => a - b));
      for (const r of inTarget) {
        const original = backup.records.find((b) => `${b.partition}:${b.offset}` === origin(r))!;
        expect(r.value).toEqual(original.value);
      }
    }
    expect(kills.filter((k) => k.endsWith('SIGKILL')).length, kills.join(' ')).toBeGreaterThanOrEqual(3);
  });

  it('appends only new batches incrementally, and falls back to a full restore when the target was recreated', async () => {
    const backup = await makeBackup();
    await writeBatch(backup, 0, 0, 30);
    await writeBatch(backup, 1, 0, 30);
    const first = withCleanup(await startKafkaBroker({ startTimeoutMs: 180_000 }));
    const stateDir = newStateDir();
    const env = (brokers: string[]) => restoreEnv(backup, brokers, stateDir, { STREAMVAULT_RESTORE_STREAM_TARGET: 'none' });

    const run1 = await runRestoreCli(['--json'], env(first.brokers));
    expect(run1.code, run1.stderr).toBe(0);
    expect(jsonLines(run1.stdout).at(-1)).toMatchObject({ mode: 'fresh', batches: 2, events_restored: 60 });

    await writeBatch(backup, 0, 30, 10);
    await writeBatch(backup, 1, 25, 15); // overlaps the restored batch by 5
    const run2 = await runRestoreCli(['--json'], env(first.brokers));
    expect(run2.code, run2.stderr).toBe(0);
    expect(jsonLines(run2.stdout).at(-1)).toMatchObject({ mode: 'incremental', batches: 2, events_restored: 20, events_skipped_present: 5 });

    await writeBatch(backup, 0, 40, 5);
    const run3 = await runRestoreCli(['--json', '--quick'], env(first.brokers));
    expect(run3.code, run3.stderr).toBe(0);
    expect(jsonLines(run3.stdout).at(-1)).toMatchObject({ mode: 'incremental', batches: 1, events_restored: 5 });

    const onFirst = (await readTopic(first.brokers, backup.topic)).map(origin).sort();
    expect(onFirst).toEqual(backup.records.map((r) => `${r.partition}:${r.offset}`).sort());

    // The platform was rebuilt: a new, empty cluster.
    const second = withCleanup(await startKafkaBroker({ startTimeoutMs: 180_000 }));
    const run4 = await runRestoreCli(['--json'], env(second.brokers));
    expect(run4.code, run4.stderr).toBe(0);
    expect(jsonLines(run4.stdout).at(-1)).toMatchObject({ mode: 'full', batches: 5, events_restored: 85 });
    const reasons = run4.stderr.split('\n').filter((l) => l.includes('incremental check failed'));
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toContain('expected the target to hold');
    const onSecond = (await readTopic(second.brokers, backup.topic)).map(origin).sort();
    expect(onSecond).toEqual(backup.records.map((r) => `${r.partition}:${r.offset}`).sort());
  });

  it('restores to a point in time: exactly the events up to --until, and only the streams they reference', async () => {
    const backup = await makeBackup();
    const early = Buffer.from('early blob');
    const late = Buffer.from('late blob');
    await writeBatch(backup, 0, 0, 20, [{ label: 'content', content: early, offset: 5 }, { label: 'content', content: late, offset: 15 }]);
    await writeBatch(backup, 0, 20, 20);
    const until = BASE_TS + 9 * 1000; // offsets 0..9 of partition 0 (timestamp = BASE_TS + offset s)
    const target = withCleanup(await startKafkaBroker({ startTimeoutMs: 180_000 }));
    const streams = withCleanup(await startStreamServer());
    const env = restoreEnv(backup, target.brokers, newStateDir(), { STREAMVAULT_RESTORE_STREAM_URL: streams.baseUrl });
    const run = await runRestoreCli(['--json', '--until', new Date(until).toISOString()], env);
    expect(run.code, run.stderr).toBe(0);
    const restored = await readTopic(target.brokers, backup.topic);
    expect(restored.map(origin).sort()).toEqual(
      backup.records.filter((r) => r.timestamp <= until).map((r) => `${r.partition}:${r.offset}`).sort(),
    );
    expect(streams.posted.map((p) => p.sha256)).toEqual([sha256(early)]);
  });

  it('reports a corrupted and a missing backup object by key and exits 4 (partial)', async () => {
    const backup = await makeBackup();
    const good = await writeBatch(backup, 0, 0, 10);
    const corrupt = await writeBatch(backup, 1, 0, 10);
    const missing = await writeBatch(backup, 2, 0, 10);
    const after = await writeBatch(backup, 2, 10, 10);
    const body = await backup.store.get(corrupt.key);
    body.writeUInt8(body.readUInt8(body.length - 5) ^ 0xff, body.length - 5);
    await backup.store.put(corrupt.key, body);
    await backup.store.delete(missing.key);
    const target = withCleanup(await startKafkaBroker({ startTimeoutMs: 180_000 }));
    const env = restoreEnv(backup, target.brokers, newStateDir(), { STREAMVAULT_RESTORE_STREAM_TARGET: 'none' });
    const run = await runRestoreCli(['--json'], env);
    expect(run.code, run.stderr).toBe(4);
    const errors = jsonLines(run.stdout).filter((l) => l.message_type === 'error');
    expect(errors.map((e) => e.item)).toEqual(expect.arrayContaining([corrupt.key, missing.key]));
    expect(errors.find((e) => e.item === corrupt.key)!.error).toContain('expected sha256');
    expect(errors.find((e) => e.item === `${backup.topic}/2`)!.error).toContain(after.key);
    const restored = await readTopic(target.brokers, backup.topic);
    expect(restored.map(origin).sort()).toEqual(
      backup.records.filter((r) => r.partition === 0).map((r) => `${r.partition}:${r.offset}`).sort(),
    );
    expect(good.count).toBe(10);
  });

  it('runs hooks with the scope in their environment; a failing pre-hook aborts before anything is written', async () => {
    const backup = await makeBackup();
    await writeBatch(backup, 0, 0, 5, [{ label: 'content', content: Buffer.from('hooked'), offset: 1 }]);
    const target = withCleanup(await startKafkaBroker({ startTimeoutMs: 180_000 }));
    const streams = withCleanup(await startStreamServer());
    const stateDir = newStateDir();
    const out = join(stateDir, 'hook.txt');
    const base = { STREAMVAULT_RESTORE_STREAM_URL: streams.baseUrl };
    const aborted = await runRestoreCli(['--json', '--source', 'samples'], restoreEnv(backup, target.brokers, stateDir, { ...base, STREAMVAULT_RESTORE_PRE_HOOK: 'exit 7' }));
    expect(aborted.code).toBe(1);
    expect(jsonLines(aborted.stdout).find((l) => l.message_type === 'error')!.error).toContain('expected exit code 0, got 7');
    expect(streams.requests).toEqual([]);

    const ok = await runRestoreCli(
      ['--json', '--source', 'samples', '--until', '2026-01-03'],
      restoreEnv(backup, target.brokers, stateDir, {
        ...base,
        STREAMVAULT_RESTORE_PRE_HOOK: `echo "pre $RESTORE_SCOPE_SOURCES $RESTORE_SCOPE_UNTIL" >> ${out}`,
        STREAMVAULT_RESTORE_POST_HOOK: `echo "post $RESTORE_EXIT_CODE" >> ${out}`,
      }),
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('pre samples 2026-01-03T00:00:00.000Z\npost 0\n');
    expect(streams.posted).toHaveLength(1);
    expect(await readTopic(target.brokers, backup.topic)).toHaveLength(5);
  });

  it('exits 3 when the backup bucket does not exist, and creates nothing', async () => {
    const backup = await makeBackup();
    const stateDir = newStateDir();
    const env = restoreEnv({ ...backup, bucket: `${backup.bucket}-gone` }, ['127.0.0.1:1'], stateDir, { STREAMVAULT_RESTORE_STREAM_TARGET: 'none' });
    const run = await runRestoreCli(['--json'], env);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(await backup.store.bucketExists()).toBe(true);
    expect(readdirSync(stateDir)).toEqual([]);
  });
});
