// Scenario 6: two replicas in one consumer group, one of them SIGKILLed again and again while a
// producer writes events referencing streams; the other runs throughout (under a supervisor that
// counts its exits as crashes). Partitions move between them on every kill and restart.
// - lost: a record on the topic in no events object with its manifest at the end, or a
//   referenced blob not stored under its sha256 with matching bytes.
// - duplicated: an offset found in two events objects with different content (two replicas
//   writing the same batch after a rebalance is the legitimate, identical overlap).
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { newBackupTarget } from '../helpers/backup-target.js';
import { withCleanup } from '../helpers/cleanup.js';
import { uniqueName } from '../helpers/names.js';
import { s3ClientFor } from '../helpers/s3-server.js';
import { sharedKafkaBrokers, sharedS3Endpoint } from '../helpers/shared-servers.js';
import { startStreamServer } from '../helpers/stream-server.js';
import { spawnStreamvault } from '../helpers/streamvault-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';
import { conflictingDuplicates, readBackupIndependently } from './kit/independent-backup-reader.js';
import { runSeed, seededRandom } from './kit/random.js';
import { printReliabilityLine } from './kit/reliability-line.js';
import { openStreamEventFeed } from './kit/stream-event-feed.js';
import { TESTDATA_SCHEMA } from './kit/stream-events.js';
import { SupervisedDaemon } from './kit/supervised-daemon.js';
import { readTopicsOf, recordId } from './kit/topic-reader.js';

const KILLS = 8;
const EVENTS = 2_000;

describe('reliability: two replicas, one killed', () => {
  it(`loses nothing while one of two replicas is SIGKILLed ${KILLS} times`, async () => {
    const seed = runSeed();
    const random = seededRandom(seed);
    process.stdout.write(`two-replicas seed=${seed}\n`);
    const streams = withCleanup(await startStreamServer());
    const topic = uniqueName('rel-replicas');
    const target = await newBackupTarget('rel-replicas', {
      pairs: { 'samples/sourced': topic },
      extra: {
        STREAMVAULT_EVENT_SCHEMA: TESTDATA_SCHEMA,
        STREAMVAULT_STREAM_SOURCE_URL: streams.baseUrl,
        STREAMVAULT_BATCH_MAX_EVENTS: '100',
        STREAMVAULT_KAFKA_SESSION_TIMEOUT_MS: '6000',
        STREAMVAULT_STREAM_RETRY_MIN_DELAY_SECONDS: '0.05',
      },
    });
    // Each replica has its own state directory, as each pod has its own volume.
    const steady = withCleanup(new SupervisedDaemon(target.env).start());
    const victimEnv = { ...target.env, STREAMVAULT_STATE_DIR: makeTempDir('state-b-') };
    const feed = await openStreamEventFeed({ topic, streams, firstSeed: 4_000_000 });
    const generator = feed.generator;
    let produced = 0;
    const producing = (async () => {
      while (produced < EVENTS) {
        const count = Math.min(EVENTS - produced, 40 + Math.floor(random() * 80));
        await feed.send(count);
        produced += count;
        await sleep(200 + random() * 800);
      }
    })();

    let runs = 0;
    const victims: Array<{ logs: ReadonlyArray<Record<string, unknown>> }> = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const victim = withCleanup(spawnStreamvault(['backup'], victimEnv));
      victims.push(victim);
      runs += 1;
      // Long enough, most times, to join the group and take partitions over.
      await Promise.race([sleep(2_000 + random() * 8_000), victim.exited]);
      victim.child.kill('SIGKILL');
      await victim.exited;
      await sleep(random() * 2_000);
    }
    await producing;
    // As a pod is restarted on its volume: the victim's journal holds the streams of batches it
    // committed (durable locally, the contract), and only its own next start copies them.
    const revived = withCleanup(spawnStreamvault(['backup'], victimEnv));
    runs += 1;

    const topicRecords = await readTopicsOf(sharedKafkaBrokers(), [topic]);
    const referenced = new Set(topicRecords.flatMap((r) => generator.referencedShas(r.value)));
    const client = s3ClientFor(sharedS3Endpoint());
    await until(
      'the remaining replica to back up everything',
      async () => {
        const f = await readBackupIndependently(client, target.bucket);
        return topicRecords.every((r) => f.indexed.has(recordId(r))) && [...referenced].every((sha) => f.streams.get(sha) === sha) ? true : undefined;
      },
      180_000,
      2_000,
    ).catch(() => undefined);
    revived.child.kill('SIGTERM');
    await revived.exited;
    await steady.stop();
    const found = await readBackupIndependently(client, target.bucket);
    const lostRecords = topicRecords.filter((r) => !found.indexed.has(recordId(r))).length;
    const stored = [...referenced].filter((sha) => found.streams.get(sha) === sha).length;
    const missing = [...referenced].filter((sha) => found.streams.get(sha) !== sha);
    if (missing.length > 0) {
      // What each replica said about them (the victims' runs, the revived one, the steady one's last run).
      const holders = topicRecords.filter((r) => generator.referencedShas(r.value).some((sha) => missing.includes(sha)));
      const committedIt = (l: Record<string, unknown>) =>
        l.msg === 'batch durable and committed' &&
        holders.some((r) => r.partition === l.partition && BigInt(String(l.firstOffset)) <= BigInt(r.offset) && BigInt(r.offset) <= BigInt(String(l.lastOffset)));
      const mentions = (name: string, logs: ReadonlyArray<Record<string, unknown>>) =>
        logs.filter((l) => committedIt(l) || missing.some((sha) => JSON.stringify(l).includes(sha))).map((l) => `${name}: ${JSON.stringify(l)}`);
      const about = [
        ...victims.flatMap((v, i) => mentions(`victim ${i}`, v.logs)),
        ...mentions('revived', revived.logs),
        ...mentions('steady (last run)', steady.current?.logs ?? []),
      ];
      process.stdout.write(`two-replicas missing streams ${JSON.stringify(missing.slice(0, 5).map((sha) => ({ sha, stored: found.streams.get(sha) ?? 'absent' })))} referenced at ${holders.map(recordId).join(', ')}; what the replicas said about them:\n${about.slice(0, 40).join('\n')}\n`);
    }
    const duplicated = conflictingDuplicates(found).length;
    printReliabilityLine('two-replicas', {
      runs: runs + steady.runs,
      produced: topicRecords.length,
      backed_up: topicRecords.length - lostRecords,
      streams_referenced: referenced.size,
      streams_stored: stored,
      lost: lostRecords + (referenced.size - stored),
      duplicated,
      crashes: steady.crashes,
    });
    expect(topicRecords.length).toBe(EVENTS);
    expect(lostRecords).toBe(0);
    expect(referenced.size - stored).toBe(0);
    expect(duplicated).toBe(0);
    expect(steady.crashes).toBe(0);
  }, 600_000);
});
