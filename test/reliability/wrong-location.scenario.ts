// Scenario 9: a wrong location. A real backup sits under the empty prefix; verify, stats,
// restore --dry-run and restore are then run with a mistyped prefix and with a missing bucket.
// Each must exit 3 (no backup at that location), and restore must write nothing.
// - lost: records of the real backup that are no longer in it afterwards (nothing may be damaged).
// - duplicated: records a wrong-location restore wrote to its target topic (it must write none).
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { newBackupTarget } from '../helpers/backup-target.js';
import { withCleanup } from '../helpers/cleanup.js';
import { uniqueName } from '../helpers/names.js';
import { s3ClientFor } from '../helpers/s3-server.js';
import { sharedKafkaBrokers, sharedKafkaKind, sharedS3Endpoint } from '../helpers/shared-servers.js';
import { startStreamServer } from '../helpers/stream-server.js';
import { spawnStreamvault } from '../helpers/streamvault-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { readBackupIndependently } from './kit/independent-backup-reader.js';
import { printReliabilityLine } from './kit/reliability-line.js';
import { backupUntil } from './kit/run-to-completion.js';
import { openStreamEventFeed } from './kit/stream-event-feed.js';
import { TESTDATA_SCHEMA } from './kit/stream-events.js';
import { readTopicsOf, recordId } from './kit/topic-reader.js';

const EVENTS = 200;

describe('reliability: wrong location', () => {
  it('verify, stats, restore --dry-run and restore exit 3 on a mistyped prefix or a missing bucket; restore writes nothing', async () => {
    const streams = withCleanup(await startStreamServer());
    const topic = uniqueName('rel-where');
    const target = await newBackupTarget('rel-where', {
      pairs: { 'samples/sourced': topic },
      extra: { STREAMVAULT_EVENT_SCHEMA: TESTDATA_SCHEMA, STREAMVAULT_STREAM_SOURCE_URL: streams.baseUrl },
    });
    await (await openStreamEventFeed({ topic, streams })).send(EVENTS);
    const produced = await readTopicsOf(sharedKafkaBrokers(), [topic]);
    const client = s3ClientFor(sharedS3Endpoint());
    const backup = await backupUntil(target.env, client, target.bucket, (f) => produced.every((r) => f.indexed.has(recordId(r))));
    expect(backup.completed).toBe(true);

    const restoredTopic = (t: string) => `${t}-wrong-restore`;
    const locations: Array<{ name: string; env: Record<string, string> }> = [
      { name: 'mistyped prefix', env: { STREAMVAULT_S3_PREFIX: 'prdo/' } },
      { name: 'missing bucket', env: { STREAMVAULT_S3_BUCKET: `${target.bucket}-typo` } },
    ];
    const codes: Record<string, number> = {};
    let runs = 1;
    for (const location of locations) {
      const env = {
        ...target.env,
        ...location.env,
        STREAMVAULT_STATE_DIR: makeTempDir('state-'),
        STREAMVAULT_RESTORE_TOPIC_TEMPLATE: `{topic}-wrong-restore`,
        STREAMVAULT_RESTORE_STREAM_URL: streams.baseUrl,
      };
      for (const args of [['verify'], ['stats'], ['restore', '--dry-run'], ['restore']]) {
        const run = withCleanup(spawnStreamvault(args, env));
        runs += 1;
        codes[`${location.name}: ${args.join(' ')}`] = await run.exited;
      }
    }
    // Nothing may have been restored: on Apache Kafka the target topic must not even exist (a
    // reader would auto-create it on the mock, so there it is read and must be empty).
    const targetTopic = restoredTopic(topic);
    const admin = new Kafka({ brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const exists = (await admin.listTopics()).includes(targetTopic);
    await admin.disconnect();
    const written = exists || sharedKafkaKind() === 'mock' ? await readTopicsOf(sharedKafkaBrokers(), [targetTopic]) : [];
    const after = await readBackupIndependently(client, target.bucket);
    const lost = produced.filter((r) => !after.indexed.has(recordId(r))).length;
    const wrongExits = Object.entries(codes).filter(([, code]) => code !== 3);
    printReliabilityLine('wrong-location', { runs, produced: produced.length, backed_up: after.indexed.size, lost, duplicated: written.length });
    expect(Object.fromEntries(wrongExits)).toEqual({});
    expect(written.length).toBe(0);
    expect(streams.posted.length).toBe(0);
    expect(lost).toBe(0);
  }, 300_000);
});
