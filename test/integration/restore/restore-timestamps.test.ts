import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { newBackupTarget } from '../../helpers/backup-target.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { startKafkaBroker } from '../../helpers/kafka-broker.js';
import { uniqueName } from '../../helpers/names.js';
import { readBackup } from '../../helpers/read-backup.js';
import { sharedKafkaBrokers, sharedKafkaKind } from '../../helpers/shared-servers.js';
import { spawnStreamvault } from '../../helpers/streamvault-process.js';
import { newStateDir, readTopic, restoreEnv, runRestoreCli, type Backup } from './restore-fixtures.js';
import { testProducer } from '../../helpers/test-producer.js';

/** Out-of-range and above-2^53 timestamps, each between ordinary ones (one produce request on restore). */
const TIMESTAMPS = [
  1_767_322_800_000n,
  2n ** 53n + 1n,
  1_767_322_800_001n,
  1_700_000_000_000_000_000n, // a producer writing nanoseconds
  1_767_322_800_002n,
  -1n,
  1_767_322_800_003n,
  2n ** 53n + 3n,
  1_767_322_800_004n,
];

describe('timestamps exact end to end (built CLI, real broker, real S3)', () => {
  it('backs up and restores timestamps beyond 2^53 and outside the Date range exactly, with ordinary neighbours untouched', async () => {
    const topic = uniqueName('timestamps');
    const kafka = new Kafka({ brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING });
    const producer = testProducer(kafka);
    withCleanup({ stop: () => producer.disconnect() });
    await producer.connect();
    if (sharedKafkaKind() === 'kafka') {
      // Kafka 4 refuses timestamps more than an hour ahead unless the topic allows them; the
      // backup records this setting and the restore creates the target topic with it.
      const admin = kafka.admin();
      await admin.connect();
      const forever = '9223372036854775807';
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic, numPartitions: 4, configEntries: [{ name: 'message.timestamp.after.max.ms', value: forever }, { name: 'message.timestamp.before.max.ms', value: forever }] }],
      });
      await admin.disconnect();
    }
    // One record per request: a request of one is exact in kafkajs (its delta is 0).
    for (const [i, ts] of TIMESTAMPS.entries()) {
      await producer.send({ topic, messages: [{ partition: 0, key: `k${i}`, value: `v${i}`, timestamp: ts.toString() }] });
    }

    const { env, bucket, store, layout } = await newBackupTarget('timestamps', { pairs: { 'samples/sourced': topic } });
    const backup = withCleanup(spawnStreamvault(['backup', '--once'], env));
    expect(await backup.exited, backup.stderrText()).toBe(0);
    const contents = await readBackup(store, layout);
    const backedUp = [...contents.records.values()].sort((a, b) => Number(a.offset) - Number(b.offset));
    expect(backedUp.map((r) => r.timestamp)).toEqual(TIMESTAMPS);
    expect(contents.manifests.map((m) => [m.minTimestamp, m.maxTimestamp])).toEqual([[-1n, 1_700_000_000_000_000_000n]]);

    const target = withCleanup(await startKafkaBroker());
    const restoreState = newStateDir();
    const run = await runRestoreCli(['--json'], restoreEnv({ bucket } as Backup, target.brokers, restoreState, { STREAMVAULT_RESTORE_STREAM_TARGET: 'none' }));
    expect(run.code, run.stderr).toBe(0);
    const restored = (await readTopic(target.brokers, topic)).filter((r) => r.partition === 0);
    expect(restored.map((r) => r.value?.toString())).toEqual(TIMESTAMPS.map((_, i) => `v${i}`));
    expect(restored.map((r) => BigInt(r.timestamp))).toEqual(TIMESTAMPS);
  }, 120_000);
});
