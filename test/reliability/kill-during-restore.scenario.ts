// Scenario 5: kill -9 during restore. A backup of RECORDS records (keys, tombstones, headers) is
// restored into fresh topics while the restore is SIGKILLed at random moments, then run to the
// end. The target is read with a kafkajs consumer of the test's own and matched to the original
// topic by the restore's provenance headers (streamvault.original.topic/partition/offset):
// - lost: an original record that is not in the target.
// - duplicated: an original record that is in the target more than once.
// Also: every restored record equals its original (key, value, headers, timestamp), and each
// original partition's records are in the target in their original order.
import { Kafka, logLevel } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { newBackupTarget } from '../helpers/backup-target.js';
import { withCleanup } from '../helpers/cleanup.js';
import { uniqueName } from '../helpers/names.js';
import { s3ClientFor } from '../helpers/s3-server.js';
import { sharedKafkaBrokers, sharedS3Endpoint } from '../helpers/shared-servers.js';
import { spawnStreamvault } from '../helpers/streamvault-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { runSeed, seededRandom } from './kit/random.js';
import { printReliabilityLine } from './kit/reliability-line.js';
import { compareRestore } from './kit/restore-check.js';
import { backupUntil } from './kit/run-to-completion.js';
import { readTopicsOf, recordId } from './kit/topic-reader.js';
import { testProducer } from '../helpers/test-producer.js';

const KILLS = 10;
const RECORDS = 3_000;

describe('reliability: kill -9 during restore', () => {
  it(`restores every record exactly once, in order, over ${KILLS} SIGKILLs`, async () => {
    const seed = runSeed();
    const random = seededRandom(seed);
    process.stdout.write(`kill-during-restore seed=${seed}\n`);
    const topic = uniqueName('rel-rkill');
    const target = await newBackupTarget('rel-rkill', { pairs: { 'samples/sourced': topic }, extra: { STREAMVAULT_BATCH_MAX_EVENTS: '200' } });
    const kafka = new Kafka({ brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING });
    const producer = testProducer(kafka);
    await producer.connect();
    withCleanup({ stop: () => producer.disconnect() });
    for (let start = 0; start < RECORDS; start += 500) {
      await producer.send({
        topic,
        messages: Array.from({ length: 500 }, (_, j) => {
          const i = start + j;
          return {
            key: i % 9 === 0 ? null : `key-${i % 37}`,
            value: i % 17 === 0 ? null : Buffer.from(`value ${i} ${'v'.repeat(i % 300)}`),
            headers: i % 4 === 0 ? { n: String(i), trace: `t-${i}` } : { n: String(i) },
            timestamp: String(1_767_225_600_000 + i),
          };
        }),
      });
    }
    const originals = await readTopicsOf(sharedKafkaBrokers(), [topic]);
    const client = s3ClientFor(sharedS3Endpoint());
    const backup = await backupUntil(target.env, client, target.bucket, (f) => originals.every((r) => f.indexed.has(recordId(r))));
    expect(backup.completed).toBe(true);

    const restoreEnv = {
      ...target.env,
      STREAMVAULT_STATE_DIR: makeTempDir('restore-state-'),
      STREAMVAULT_RESTORE_TOPIC_TEMPLATE: '{topic}-restored',
      STREAMVAULT_RESTORE_STREAM_TARGET: 'none',
      STREAMVAULT_RESTORE_PRODUCE_BATCH_EVENTS: '40',
      // Slow enough that all the kills below land while the restore still has work.
      STREAMVAULT_RESTORE_EVENTS_PER_SECOND: '100',
      STREAMVAULT_RESTORE_PROGRESS_SECONDS: '0.5',
    };
    let runs = 0;
    let crashes = 0;
    let killed = 0;
    while (killed < KILLS) {
      const restore = withCleanup(spawnStreamvault(['restore', '--json'], restoreEnv));
      runs += 1;
      await Promise.race([sleep(500 + random() * 4_000), restore.exited]);
      if (restore.child.exitCode === null) {
        restore.child.kill('SIGKILL');
        killed += 1;
        await restore.exited;
      } else {
        // Finished before the kill: the rest of the kills would find nothing to do.
        if ((await restore.exited) !== 0) crashes += 1;
        break;
      }
    }
    const last = withCleanup(spawnStreamvault(['restore', '--json'], restoreEnv));
    runs += 1;
    const lastCode = await last.exited;
    if (lastCode !== 0) crashes += 1;

    const restored = await readTopicsOf(sharedKafkaBrokers(), [`${topic}-restored`]);
    const result = compareRestore(originals, restored);
    printReliabilityLine('kill-during-restore', {
      runs,
      produced: originals.length,
      backed_up: backup.found.indexed.size,
      lost: result.lost.length,
      duplicated: result.duplicated.length,
      crashes,
    });
    expect(killed).toBe(KILLS);
    expect(result.lost).toEqual([]);
    expect(result.duplicated).toEqual([]);
    expect(result.changed).toEqual([]);
    expect(result.outOfOrder).toEqual([]);
    expect(crashes).toBe(0);
  }, 600_000);
});
