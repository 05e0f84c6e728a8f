import { Kafka, logLevel, type Producer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { newBackupTarget } from '../../helpers/backup-target.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { uniqueName } from '../../helpers/names.js';
import { readBackup } from '../../helpers/read-backup.js';
import { sharedKafkaBrokers, sharedKafkaKind } from '../../helpers/shared-servers.js';
import { spawnStreamvault } from '../../helpers/streamvault-process.js';

/** One transaction of `values` on `partition`, committed or aborted. */
async function transaction(producer: Producer, topic: string, partition: number, values: string[], outcome: 'commit' | 'abort'): Promise<void> {
  const txn = await producer.transaction();
  await txn.send({ topic, messages: values.map((v) => ({ partition, key: `k-${v}`, value: Buffer.from(v) })) });
  await (outcome === 'commit' ? txn.commit() : txn.abort());
}

const values = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}-${'t'.repeat(i * 3)}`);

describe.skipIf(sharedKafkaKind() !== 'kafka')('backup --once on transactional topics (real Kafka only: the mock cluster has no transactions)', () => {
  it('finishes on partitions whose tail is a commit or an abort marker, backs up exactly the committed records and commits the end offsets', async () => {
    const kafka = new Kafka({ brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    const producer = kafka.producer({ transactionalId: uniqueName('txn'), idempotent: true, maxInFlightRequests: 1 });
    withCleanup({ stop: async () => void (await Promise.allSettled([producer.disconnect(), admin.disconnect()])) });
    await admin.connect();
    const topic = uniqueName('once-txn');
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await producer.connect();

    // Partition 0: committed, aborted in the middle, committed: its tail is a commit marker.
    // Partition 1: committed, then aborted: its tail is an abort marker (and aborted records).
    const committed0 = [...values('a', 5), ...values('c', 3)];
    const committed1 = values('d', 4);
    await transaction(producer, topic, 0, values('a', 5), 'commit');
    await transaction(producer, topic, 0, values('b', 3), 'abort');
    await transaction(producer, topic, 0, values('c', 3), 'commit');
    await transaction(producer, topic, 1, committed1, 'commit');
    await transaction(producer, topic, 1, values('e', 2), 'abort');

    const { env, group, store, layout } = await newBackupTarget('once-txn', {
      pairs: { 'samples/sourced': topic },
      extra: { STREAMVAULT_BATCH_MAX_EVENTS: '3', STREAMVAULT_BATCH_MAX_AGE_SECONDS: '600' },
    });
    const run = withCleanup(spawnStreamvault(['backup', '--once', '--json'], env));
    expect(await run.exited, run.stderrText()).toBe(0);

    const contents = await readBackup(store, layout);
    expect(contents.indexed).toBe(true);
    const byPartition = (p: number) =>
      [...contents.records.values()].filter((r) => r.partition === p).sort((a, b) => (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
    for (const [partition, expected] of [
      [0, committed0],
      [1, committed1],
    ] as const) {
      const records = byPartition(partition);
      expect(records.map((r) => r.value)).toEqual(expected.map((v) => Buffer.from(v)));
      expect(records.map((r) => r.key)).toEqual(expected.map((v) => Buffer.from(`k-${v}`)));
    }
    // The aborted transaction in the middle and the markers leave gaps in the offsets.
    const offsets0 = byPartition(0).map((r) => Number(r.offset));
    expect(offsets0.at(-1)! - offsets0[0]!).toBeGreaterThan(offsets0.length - 1);

    // Committed up to the end offsets (past the markers), so a restart reads nothing again.
    const ends = await admin.fetchTopicOffsets(topic);
    const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    for (const end of ends) expect(offsets!.partitions.find((p) => p.partition === end.partition)!.offset).toBe(end.high);

    const again = withCleanup(spawnStreamvault(['backup', '--once', '--json'], env));
    expect(await again.exited, again.stderrText()).toBe(0);
    const summary = again.stdout().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).at(-1)!;
    expect(summary).toMatchObject({ message_type: 'summary', events_backed_up: 0, events_expected: 0 });
  }, 180_000);
});
