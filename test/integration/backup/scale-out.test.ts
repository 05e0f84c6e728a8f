import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { S3ObjectStore } from '../../../src/storage/s3-object-store.js';
import { backupEnv, pairsEnv } from '../../helpers/backup-env.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { waitForGroup, type Assignment } from '../../helpers/daemon-waits.js';
import { uniqueName } from '../../helpers/names.js';
import { waitForBackup } from '../../helpers/read-backup.js';
import { createBucket, s3ClientFor } from '../../helpers/s3-server.js';
import { sharedKafkaBrokers, sharedS3Endpoint } from '../../helpers/shared-servers.js';
import { spawnStreamvault } from '../../helpers/streamvault-process.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { testProducer } from '../../helpers/test-producer.js';

let producer: Producer;
let admin: Admin;

beforeAll(async () => {
  const kafka = new Kafka({ brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING });
  producer = testProducer(kafka);
  admin = kafka.admin();
  await Promise.all([producer.connect(), admin.connect()]);
});

afterAll(async () => {
  await Promise.allSettled([producer?.disconnect(), admin?.disconnect()]);
});

describe('scaling out: replicas in one consumer group', () => {
  it('splits the partitions between two replicas, and one takes over when the other stops, without gaps', async () => {
    const topic = uniqueName('scale');
    const bucket = uniqueName('scale');
    const client = s3ClientFor(sharedS3Endpoint());
    await createBucket(client, bucket);
    const group = uniqueName('grp');
    const env = (stateDir: string, clientId: string) =>
      backupEnv({
        brokers: sharedKafkaBrokers(),
        s3Endpoint: sharedS3Endpoint(),
        bucket,
        stateDir,
        extra: {
          ...pairsEnv({ 'samples/sourced': topic }),
          STREAMVAULT_KAFKA_GROUP_ID: group,
          STREAMVAULT_KAFKA_CLIENT_ID: clientId,
          STREAMVAULT_KAFKA_SESSION_TIMEOUT_MS: '6000',
          STREAMVAULT_BATCH_MAX_EVENTS: '25',
        },
      });
    const send = (from: number, count: number) =>
      producer.send({
        topic,
        messages: Array.from({ length: count }, (_, i) => ({ partition: (from + i) % 4, value: Buffer.from(`event-${from + i}`) })),
      });
    await send(0, 200);

    const partitions = (members: ReadonlyMap<string, Assignment>, id: string) => members.get(id)?.[topic]?.length ?? 0;
    const a = withCleanup(spawnStreamvault(['backup'], env(makeTempDir('a-'), 'replica-a')));
    await waitForGroup(admin, group, (m) => m.size === 1 && partitions(m, 'replica-a') === 4);
    const b = withCleanup(spawnStreamvault(['backup'], env(makeTempDir('b-'), 'replica-b')));
    // After B joins, the group rebalances: each replica ends up with part of the 4 partitions.
    const split = await waitForGroup(admin, group, (m) => m.size === 2 && partitions(m, 'replica-b') > 0 && partitions(m, 'replica-a') > 0);
    // One consumer for every pair: B's one member holds partitions of this topic only.
    expect(Object.keys(split.get('replica-b')!)).toEqual([topic]);
    expect([...split.get('replica-a')![topic]!, ...split.get('replica-b')![topic]!].sort()).toEqual([0, 1, 2, 3]);

    await send(200, 200);
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    // B takes over A's partitions.
    await waitForGroup(admin, group, (m) => m.size === 1 && partitions(m, 'replica-b') === 4);
    await send(400, 200);

    const store = new S3ObjectStore(client, bucket);
    const layout = new KeyLayout('');
    const contents = await waitForBackup(store, layout, 600, 45_000);
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);

    const values = new Set([...contents.records.values()].map((r) => r.value?.toString()));
    expect(values.size).toBe(600);
    for (let i = 0; i < 600; i++) expect(values.has(`event-${i}`)).toBe(true);
    for (let partition = 0; partition < 4; partition++) {
      const offsets = [...contents.records.values()]
        .filter((r) => r.partition === partition)
        .map((r) => Number(r.offset))
        .sort((x, y) => x - y);
      expect(offsets).toEqual(Array.from({ length: 150 }, (_, i) => i));
    }
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    expect(committed?.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual(ends.map((e) => [e.partition, e.high]).sort());
  }, 120_000);
});
