// Scenario 7: disk trouble for the state directory (the pending-stream journal lives there).
// - read-only: the state directory is a read-only tmpfs; the daemon must refuse to start with the
//   documented state-dir exit code (6) and commit nothing, so a later run on a good disk backs up
//   every record and blob.
// - full: the state directory is a 48 KiB tmpfs and the stream source is slow, so the journal
//   fills the disk mid-run (the kernel then writes part of a line: the short write of item 5
//   happens here for real). The daemon may stop (exit 6) or wait; when the disk is grown again
//   and the daemon restarted, every record and every referenced blob must be in the backup: a
//   batch whose streams did not reach the journal whole must not have been committed.
// - short writes in isolation (a write returning fewer bytes without ENOSPC) cannot be forced at
//   the OS level here beyond the full tmpfs; the streams helper's KeyedJournal unit test (fs seam)
//   covers them deterministically.
// (chmod is not used for "unwritable": the suite runs as root, which chmod does not stop.)
// - lost: a record in no events object with its manifest, or a referenced blob not stored.
// - duplicated: an offset found in two events objects with different content.
import { statfsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { newBackupTarget } from '../helpers/backup-target.js';
import { withCleanup } from '../helpers/cleanup.js';
import { uniqueName } from '../helpers/names.js';
import { s3ClientFor } from '../helpers/s3-server.js';
import { sharedKafkaBrokers, sharedS3Endpoint } from '../helpers/shared-servers.js';
import { startStreamServer } from '../helpers/stream-server.js';
import { spawnStreamvault } from '../helpers/streamvault-process.js';
import { conflictingDuplicates } from './kit/independent-backup-reader.js';
import { printReliabilityLine } from './kit/reliability-line.js';
import { backupUntil } from './kit/run-to-completion.js';
import { openStreamEventFeed } from './kit/stream-event-feed.js';
import { TESTDATA_SCHEMA } from './kit/stream-events.js';
import { mountTmpfs } from './kit/tmpfs.js';
import { readTopicsOf, recordId } from './kit/topic-reader.js';

const EVENTS = 1_500;

async function setup(name: string, stateDir: string, firstSeed: number) {
  const streams = withCleanup(await startStreamServer());
  const topic = uniqueName(name);
  const target = await newBackupTarget(name, {
    pairs: { 'samples/sourced': topic },
    extra: {
      STREAMVAULT_EVENT_SCHEMA: TESTDATA_SCHEMA,
      STREAMVAULT_STREAM_SOURCE_URL: streams.baseUrl,
      STREAMVAULT_STATE_DIR: stateDir,
      STREAMVAULT_BATCH_MAX_EVENTS: '100',
      STREAMVAULT_STREAM_CONCURRENCY: '2',
      STREAMVAULT_KAFKA_SESSION_TIMEOUT_MS: '6000',
    },
  });
  const feed = await openStreamEventFeed({ topic, streams, firstSeed });
  await feed.send(EVENTS, 250);
  const generator = feed.generator;
  const topicRecords = await readTopicsOf(sharedKafkaBrokers(), [topic]);
  const referenced = new Set(topicRecords.flatMap((r) => generator.referencedShas(r.value)));
  return { streams, topic, target, topicRecords, referenced };
}

describe('reliability: disk trouble for the state directory', () => {
  it('read-only state directory: refuses to start (exit 6), commits nothing; a good disk later backs up everything', async (ctx) => {
    const disk = mountTmpfs('1m', { readOnly: true });
    if ('unavailable' in disk) return ctx.skip(disk.unavailable);
    withCleanup(disk);
    const s = await setup('rel-disk-ro', disk.dir, 6_000_000);
    const refused = withCleanup(spawnStreamvault(['backup'], s.target.env));
    const code = await Promise.race([refused.exited, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 60_000))]);
    if (code === -1) refused.child.kill('SIGKILL');
    // The same consumer group on a writable disk: it starts where the refused run committed.
    const good = mountTmpfs('20m');
    if ('unavailable' in good) throw new Error(good.unavailable);
    withCleanup(good);
    const client = s3ClientFor(sharedS3Endpoint());
    const done = await backupUntil({ ...s.target.env, STREAMVAULT_STATE_DIR: good.dir }, client, s.target.bucket, (f) =>
      s.topicRecords.every((r) => f.indexed.has(recordId(r))) && [...s.referenced].every((sha) => f.streams.get(sha) === sha),
    { timeoutMs: 180_000 });
    const lostRecords = s.topicRecords.filter((r) => !done.found.indexed.has(recordId(r))).length;
    const stored = [...s.referenced].filter((sha) => done.found.streams.get(sha) === sha).length;
    printReliabilityLine('disk-read-only', {
      runs: 2,
      produced: s.topicRecords.length,
      backed_up: s.topicRecords.length - lostRecords,
      streams_referenced: s.referenced.size,
      streams_stored: stored,
      lost: lostRecords + (s.referenced.size - stored),
      duplicated: conflictingDuplicates(done.found).length,
      crashes: done.exitCode === 0 ? 0 : 1,
    });
    expect(code).toBe(6);
    expect(lostRecords).toBe(0);
    expect(stored).toBe(s.referenced.size);
    expect(conflictingDuplicates(done.found)).toEqual([]);
  }, 400_000);

  it('full state directory: after the disk is grown and the daemon restarted, every record and referenced blob is backed up', async (ctx) => {
    const disk = mountTmpfs('48k');
    if ('unavailable' in disk) return ctx.skip(disk.unavailable);
    withCleanup(disk);
    const s = await setup('rel-disk-full', disk.dir, 7_000_000);
    // Slow copies: references pile up in the journal until the disk is full.
    s.streams.setLatency(300);
    const client = s3ClientFor(sharedS3Endpoint());
    // How full the disk got, to tell a run that hit ENOSPC from one that never filled the disk.
    let minFreeBytes = Number.POSITIVE_INFINITY;
    const watch = setInterval(() => {
      const stats = statfsSync(disk.dir);
      minFreeBytes = Math.min(minFreeBytes, stats.bavail * stats.bsize);
    }, 100);
    const full = await backupUntil(s.target.env, client, s.target.bucket, (f) => s.topicRecords.every((r) => f.indexed.has(recordId(r))), { timeoutMs: 60_000 });
    clearInterval(watch);
    // Whatever the first run did (stopped with 6, or backed up what it could), grow the disk.
    disk.resize('20m');
    s.streams.setLatency(0);
    const done = await backupUntil(s.target.env, client, s.target.bucket, (f) =>
      s.topicRecords.every((r) => f.indexed.has(recordId(r))) && [...s.referenced].every((sha) => f.streams.get(sha) === sha),
    { timeoutMs: 180_000 });
    const lostRecords = s.topicRecords.filter((r) => !done.found.indexed.has(recordId(r))).length;
    const stored = [...s.referenced].filter((sha) => done.found.streams.get(sha) === sha).length;
    process.stdout.write(`disk-full first run exit=${full.exitCode} (least free space seen: ${minFreeBytes} bytes), second run exit=${done.exitCode}\n`);
    printReliabilityLine('disk-full', {
      runs: 2,
      produced: s.topicRecords.length,
      backed_up: s.topicRecords.length - lostRecords,
      streams_referenced: s.referenced.size,
      streams_stored: stored,
      lost: lostRecords + (s.referenced.size - stored),
      duplicated: conflictingDuplicates(done.found).length,
      crashes: [full.exitCode, done.exitCode].filter((c) => c !== 0 && c !== 6).length,
    });
    expect([0, 6]).toContain(full.exitCode);
    expect(lostRecords).toBe(0);
    expect(stored).toBe(s.referenced.size);
    expect(conflictingDuplicates(done.found)).toEqual([]);
    expect(done.exitCode).toBe(0);
  }, 400_000);
});
