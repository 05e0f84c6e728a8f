// Scenario 8: settings changed between runs. A backup with the event schema records which
// streams each batch references; a second daemon on the same bucket and prefix, replaying the same
// offsets (a fresh consumer group) but without the schema, must either refuse to start or keep
// what the manifests recorded: a replay never drops a manifest's streams.
// - lost: a stream reference (batch first offset + sha256) in a first-run manifest that is in no
//   manifest of the same partition after the second run, or a record no longer backed up.
// - duplicated: an offset found in two events objects with different content.
import { describe, expect, it } from 'vitest';
import { newBackupTarget } from '../helpers/backup-target.js';
import { withCleanup } from '../helpers/cleanup.js';
import { uniqueName } from '../helpers/names.js';
import { s3ClientFor } from '../helpers/s3-server.js';
import { sharedKafkaBrokers, sharedS3Endpoint } from '../helpers/shared-servers.js';
import { startStreamServer } from '../helpers/stream-server.js';
import { spawnStreamvault } from '../helpers/streamvault-process.js';
import { conflictingDuplicates, readBackupIndependently, type FoundBackup } from './kit/independent-backup-reader.js';
import { printReliabilityLine } from './kit/reliability-line.js';
import { backupUntil } from './kit/run-to-completion.js';
import { openStreamEventFeed } from './kit/stream-event-feed.js';
import { TESTDATA_SCHEMA } from './kit/stream-events.js';
import { readTopicsOf, recordId } from './kit/topic-reader.js';

const EVENTS = 600;

/** Every (topic/partition, sha256) a manifest of the backup names. */
function references(found: FoundBackup): Set<string> {
  const out = new Set<string>();
  for (const m of found.manifests) for (const s of m.streams) out.add(`${String(m.topic)}/${String(m.partition)} ${s.sha256}`);
  return out;
}

describe('reliability: settings changed between runs', () => {
  it('a second run without the schema refuses or keeps every stream the manifests recorded', async () => {
    const streams = withCleanup(await startStreamServer());
    const topic = uniqueName('rel-settings');
    const first = await newBackupTarget('rel-settings', {
      pairs: { 'samples/sourced': topic },
      extra: { STREAMVAULT_EVENT_SCHEMA: TESTDATA_SCHEMA, STREAMVAULT_STREAM_SOURCE_URL: streams.baseUrl, STREAMVAULT_BATCH_MAX_EVENTS: '100' },
    });
    const events = await (await openStreamEventFeed({ topic, streams, firstSeed: 3_000_000 })).send(EVENTS);
    const produced = await readTopicsOf(sharedKafkaBrokers(), [topic]);
    const client = s3ClientFor(sharedS3Endpoint());
    const run1 = await backupUntil(first.env, client, first.bucket, (f) => produced.every((r) => f.indexed.has(recordId(r))));
    expect(run1.completed).toBe(true);
    const before = references(run1.found);
    expect(before.size).toBe(EVENTS);

    // Same bucket and prefix, no schema, a fresh group: it replays every offset from the start.
    const secondEnv = { ...first.env, STREAMVAULT_EVENT_SCHEMA: '', STREAMVAULT_KAFKA_GROUP_ID: uniqueName('grp2') };
    const second = withCleanup(spawnStreamvault(['backup', '--once'], secondEnv));
    const secondCode = await Promise.race([second.exited, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 120_000))]);
    if (secondCode === -1) second.child.kill('SIGKILL');
    const after = await readBackupIndependently(client, first.bucket);
    const kept = references(after);
    const dropped = [...before].filter((r) => !kept.has(r)).length;
    const lostRecords = produced.filter((r) => !after.indexed.has(recordId(r))).length;
    const duplicated = conflictingDuplicates(after).length;
    process.stdout.write(`settings-changed second run exit=${secondCode}\n`);
    printReliabilityLine('settings-changed', {
      runs: 2,
      produced: produced.length,
      backed_up: produced.length - lostRecords,
      streams_referenced: before.size,
      streams_stored: [...new Set(events.map((e) => e.blob.sha256))].filter((sha) => after.streams.get(sha) === sha).length,
      lost: dropped + lostRecords,
      duplicated,
      crashes: secondCode === -1 ? 1 : 0,
    });
    expect(secondCode, 'the second run ends (refusing, or done)').not.toBe(-1);
    expect(dropped).toBe(0);
    expect(lostRecords).toBe(0);
    expect(duplicated).toBe(0);
  }, 400_000);
});
