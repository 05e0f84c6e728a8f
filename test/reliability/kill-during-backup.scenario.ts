// Scenario 1: kill -9 during backup. A producer writes events of the testdata schema, each
// referencing a new blob on the stream server, while the daemon is started and SIGKILLed at random
// moments. Then one daemon runs to the end. Counted from the bucket (the suite's own Avro reader)
// and the topic (a kafkajs consumer):
// - lost: a record on the topic that is in no events object with its manifest, or a blob an
//   event references that is not stored under its sha256 with matching bytes.
// - duplicated: an offset found in two events objects with different content (key, value,
//   headers, timestamp). Equal copies are the legitimate overlap of a replay.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { newBackupTarget } from '../helpers/backup-target.js';
import { withCleanup } from '../helpers/cleanup.js';
import { uniqueName } from '../helpers/names.js';
import { s3ClientFor } from '../helpers/s3-server.js';
import { sharedKafkaBrokers, sharedS3Endpoint } from '../helpers/shared-servers.js';
import { startStreamServer } from '../helpers/stream-server.js';
import { spawnStreamvault } from '../helpers/streamvault-process.js';
import { until } from '../helpers/until.js';
import { conflictingDuplicates, readBackupIndependently } from './kit/independent-backup-reader.js';
import { seededRandom, runSeed } from './kit/random.js';
import { printReliabilityLine } from './kit/reliability-line.js';
import { openStreamEventFeed } from './kit/stream-event-feed.js';
import { TESTDATA_SCHEMA } from './kit/stream-events.js';
import { readTopicsOf, recordId } from './kit/topic-reader.js';

const KILLS = 20;
const EVENTS = 5_000;

describe('reliability: kill -9 during backup', () => {
  it(`loses nothing over ${KILLS} SIGKILLs with a producer alongside (${EVENTS} events referencing streams)`, async () => {
    const seed = runSeed();
    const random = seededRandom(seed);
    process.stdout.write(`kill-during-backup seed=${seed}\n`);
    const streams = withCleanup(await startStreamServer());
    const topic = uniqueName('rel-kill');
    const target = await newBackupTarget('rel-kill', {
      pairs: { 'samples/sourced': topic },
      extra: {
        STREAMVAULT_EVENT_SCHEMA: TESTDATA_SCHEMA,
        STREAMVAULT_STREAM_SOURCE_URL: streams.baseUrl,
        STREAMVAULT_BATCH_MAX_EVENTS: '150',
        STREAMVAULT_KAFKA_SESSION_TIMEOUT_MS: '6000',
        STREAMVAULT_STREAM_RETRY_MIN_DELAY_SECONDS: '0.05',
        STREAMVAULT_SHUTDOWN_GRACE_SECONDS: '20',
      },
    });
    const feed = await openStreamEventFeed({ topic, streams });
    const generator = feed.generator;

    // The producer runs alongside the kills: a burst at random intervals until EVENTS are acked.
    let produced = 0;
    const producing = (async () => {
      while (produced < EVENTS) {
        const count = Math.min(EVENTS - produced, 50 + Math.floor(random() * 150));
        await feed.send(count);
        produced += count;
        await sleep(100 + random() * 600);
      }
    })();

    let crashes = 0;
    let runs = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const daemon = withCleanup(spawnStreamvault(['backup'], target.env));
      runs += 1;
      // A random moment: during startup, the group join, batch writes or stream copies.
      await Promise.race([sleep(300 + random() * 7_000), daemon.exited]);
      if (daemon.child.exitCode === null) {
        daemon.child.kill('SIGKILL');
      }
      const code = await daemon.exited;
      if (code !== 128 + 9) crashes += 1;
    }
    await producing;

    const topicRecords = await readTopicsOf(sharedKafkaBrokers(), [topic]);
    const referenced = new Set(topicRecords.flatMap((r) => generator.referencedShas(r.value)));
    const client = s3ClientFor(sharedS3Endpoint());
    // The last run: it must catch up on everything, then stop cleanly.
    const last = withCleanup(spawnStreamvault(['backup'], target.env));
    runs += 1;
    let found = await readBackupIndependently(client, target.bucket);
    try {
      found = await until(
        'every record and every referenced stream backed up',
        async () => {
          found = await readBackupIndependently(client, target.bucket);
          const allRecords = topicRecords.every((r) => found.indexed.has(recordId(r)));
          const allStreams = [...referenced].every((sha) => found.streams.get(sha) === sha);
          return allRecords && allStreams ? found : undefined;
        },
        240_000,
        2_000,
      );
    } catch {
      // Counted below: whatever is missing now is lost.
    }
    last.child.kill('SIGTERM');
    const lastCode = await last.exited;
    if (lastCode !== 0) crashes += 1;
    found = await readBackupIndependently(client, target.bucket);

    const lostRecords = topicRecords.filter((r) => !found.indexed.has(recordId(r))).length;
    const stored = [...referenced].filter((sha) => found.streams.get(sha) === sha).length;
    const duplicated = conflictingDuplicates(found).length;
    const backedUp = topicRecords.filter((r) => found.indexed.has(recordId(r))).length;
    printReliabilityLine('kill-during-backup', {
      runs,
      produced: topicRecords.length,
      backed_up: backedUp,
      streams_referenced: referenced.size,
      streams_stored: stored,
      lost: lostRecords + (referenced.size - stored),
      duplicated,
      crashes,
    });
    expect(topicRecords.length).toBe(EVENTS);
    expect(lostRecords).toBe(0);
    expect(referenced.size - stored).toBe(0);
    expect(duplicated).toBe(0);
    expect(crashes).toBe(0);
  }, 900_000);
});
