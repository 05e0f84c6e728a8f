import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { readTopicRecord } from '../../../src/storage/topic-record.js';
import { newBackupTarget } from '../../helpers/backup-target.js';
import { waitForBackup } from '../../helpers/read-backup.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { startKafkaBroker } from '../../helpers/kafka-broker.js';
import { uniqueName } from '../../helpers/names.js';
import { sharedKafkaBrokers, sharedKafkaKind } from '../../helpers/shared-servers.js';
import { spawnStreamvault } from '../../helpers/streamvault-process.js';
import { jsonLines, makeBackup, newStateDir, origin, readTopic, restoreEnv, runRestoreCli, writeBatch } from './restore-fixtures.js';
import { testProducer } from '../../helpers/test-producer.js';

const adminOf = (brokers: string[]) => {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  withCleanup({ stop: () => admin.disconnect() });
  return admin;
};

/** Topic configs a restore must carry over (set on the source topic; none is Kafka's default). */
const SOURCE_CONFIGS = { 'cleanup.policy': 'compact', 'retention.ms': '86400123', 'compression.type': 'gzip', 'max.message.bytes': '2000000', 'segment.ms': '3600000' };

describe('streamvault restore: target topics (Apache Kafka)', { timeout: 300_000 }, () => {
  it.skipIf(sharedKafkaKind() !== 'kafka')(
    'the backup records partitions and configs; a restore into a cluster without the topic creates it with them (dry run says so first)',
    async () => {
      const source = adminOf(sharedKafkaBrokers());
      await source.connect();
      const topic = uniqueName('cfg');
      await source.createTopics({
        waitForLeaders: true,
        topics: [{ topic, numPartitions: 5, replicationFactor: 1, configEntries: Object.entries(SOURCE_CONFIGS).map(([name, value]) => ({ name, value })) }],
      });
      // Partition 4 stays empty: its existence is known from the topic record only, not from the manifests.
      const producer = testProducer(new Kafka({ brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING }));
      withCleanup({ stop: () => producer.disconnect() });
      await producer.connect();
      const N = 60;
      await producer.send({ topic, messages: Array.from({ length: N }, (_, i) => ({ partition: i % 4, key: `k${i}`, value: `value-${i}` })) });

      const backup = await newBackupTarget('cfg', { pairs: { 'samples/sourced': topic }, extra: { STREAMVAULT_BATCH_MAX_EVENTS: '10' } });
      // The daemon (not --once, whose end-offset lookup is another item's fix): the record is written at its start.
      const daemon = withCleanup(spawnStreamvault(['backup'], backup.env));
      await waitForBackup(backup.store, backup.layout, N, 120_000);
      await daemon.stop();
      const record = await readTopicRecord(backup.store, backup.layout, topic);
      expect(record).toMatchObject({ version: 1, topic, partitions: 5, configs: SOURCE_CONFIGS });

      const target = withCleanup(await startKafkaBroker({ startTimeoutMs: 180_000 }));
      const env = restoreEnv(backup, target.brokers, newStateDir(), { STREAMVAULT_RESTORE_STREAM_TARGET: 'none' });
      const dry = await runRestoreCli(['--dry-run', '--json'], env);
      expect(dry.code, dry.stderr).toBe(0);
      expect(jsonLines(dry.stdout)[0]!.target_topics).toEqual([
        { topic, partitions: 5, configs: SOURCE_CONFIGS, basis: 'recorded', existing_partitions: null, action: 'missing, would be created' },
      ]);
      const targetAdmin = adminOf(target.brokers);
      await targetAdmin.connect();
      expect(await targetAdmin.listTopics()).not.toContain(topic);

      const restored = await runRestoreCli(['--json'], env);
      expect(restored.code, restored.stderr).toBe(0);
      const metadata = await targetAdmin.fetchTopicMetadata({ topics: [topic] });
      expect(metadata.topics[0]!.partitions).toHaveLength(5);
      const described = await targetAdmin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: Object.keys(SOURCE_CONFIGS) }], includeSynonyms: false });
      const configs = Object.fromEntries(described.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
      expect(configs).toEqual(SOURCE_CONFIGS);

      // The records: each once, in its original partition, in the original order.
      const records = await readTopic(target.brokers, topic);
      expect(records.map(origin).sort()).toEqual(Array.from({ length: N }, (_, i) => `${i % 4}:${Math.floor(i / 4)}`).sort());
      for (const r of records) expect(origin(r).split(':')[0]).toBe(String(r.partition));
      for (let p = 0; p < 4; p += 1) {
        const inOrder = records.filter((r) => r.partition === p).sort((a, b) => Number(a.offset) - Number(b.offset));
        expect(inOrder.map((r) => r.value!.toString())).toEqual(Array.from({ length: N / 4 }, (_, j) => `value-${j * 4 + p}`));
      }
    },
  );

  it.skipIf(sharedKafkaKind() !== 'kafka')('refuses an existing target topic with fewer partitions than the original, and writes nothing', async () => {
    const backup = await makeBackup(); // its topic record says 4 partitions
    for (const p of [0, 1, 2, 3]) await writeBatch(backup, p, 0, 5);
    const admin = adminOf(sharedKafkaBrokers());
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: backup.topic, numPartitions: 2, replicationFactor: 1 }] });

    const run = await runRestoreCli(['--json'], restoreEnv(backup, sharedKafkaBrokers(), newStateDir(), { STREAMVAULT_RESTORE_STREAM_TARGET: 'none' }));
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(`${backup.topic} has 2 partition(s), the backup of ${backup.topic} needs 4`);
    const offsets = await admin.fetchTopicOffsets(backup.topic);
    expect(offsets.map((o) => o.high)).toEqual(['0', '0']);
  });
});
