import { Kafka, logLevel } from 'kafkajs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchWriter } from '../../../src/backup/batch-writer.js';
import { PartitionBatch } from '../../../src/backup/partition-batch.js';
import { decodeContainer } from '../../../src/events/avro-container.js';
import { ExitCode } from '../../../src/exit-codes.js';
import { probeConditionalWrites } from '../../../src/storage/conditional-writes.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { parseManifest } from '../../../src/storage/manifest.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { S3ObjectStore } from '../../../src/storage/s3-object-store.js';
import { backupEnv } from '../../helpers/backup-env.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { HoldingObjectStore } from '../../helpers/holding-object-store.js';
import { uniqueName } from '../../helpers/names.js';
import { runCliCaptured } from '../../helpers/run-cli-captured.js';
import { createBucket, s3ClientFor, type S3Server } from '../../helpers/s3-server.js';
import { startS3MockServer } from '../../helpers/s3mock-server.js';
import { sharedKafkaBrokers, sharedS3Endpoint } from '../../helpers/shared-servers.js';
import { readBackup } from '../../helpers/read-backup.js';
import { spawnStreamvault } from '../../helpers/streamvault-process.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { storedFence } from '../../../src/storage/fenced-write.js';
import { pairsEnv } from '../../helpers/backup-env.js';
import { testProducer } from '../../helpers/test-producer.js';

// Issue 9: a replica that lost a partition must not overwrite a batch its new owner rewrote.
// Two BatchWriters race on the same keys on S3Mock (which enforces If-None-Match / If-Match);
// a wrapper holds the stale writer's PUT in flight until the new owner has written, then lets it go.
const pair = { source: 'samples', event: 'sourced', topic: 'samples.sourced' };
const group = 'sv.samples.sourced';
const layout = new KeyLayout('');
const objectKey = 'events/samples/sourced/p000001/00000000000000000000-2023-11-14.avro';
const manifestKey = 'manifests/samples/sourced/p000001/00000000000000000000.json';

/** Records 0..n-1 of partition 1; the stale owner read fewer of them than the new owner. */
function batchOf(n: number): PartitionBatch {
  const batch = new PartitionBatch(pair.topic, 1, 0);
  for (let i = 0; i < n; i++) {
    const record = { topic: pair.topic, partition: 1, offset: String(i), timestamp: 1_700_000_000_000n + BigInt(i), key: null, value: Buffer.from(`v${i}`), headers: [] };
    batch.add(record, i, { streams: [], malformed: false });
  }
  return batch;
}

function writer(store: ObjectStore, conditionalWrites: boolean): BatchWriter {
  return new BatchWriter({ store, layout, codec: 'null', streamSink: { persist: async () => {} }, now: () => new Date(0), conditionalWrites });
}

async function newBucket(server: Pick<S3Server, 'endpoint'>): Promise<{ bucket: string; store: S3ObjectStore }> {
  const client = s3ClientFor(server);
  const bucket = uniqueName('stale');
  await createBucket(client, bucket);
  return { bucket, store: new S3ObjectStore(client, bucket) };
}

describe('stale writer after a rebalance, on an S3 that enforces conditional writes', () => {
  let s3mock: S3Server;

  beforeAll(async () => {
    s3mock = withCleanup(await startS3MockServer());
  }, 240_000);

  it('the probe tells S3Mock (enforces) from s3rver (ignores the headers)', async () => {
    expect(await probeConditionalWrites((await newBucket(s3mock)).store, layout)).toEqual({ enforced: true });
    expect(await probeConditionalWrites((await newBucket({ endpoint: sharedS3Endpoint() })).store, layout)).toMatchObject({ enforced: false });
  });

  for (const held of ['object', 'manifest'] as const) {
    it(`the new owner's object and manifest survive the old owner's ${held} PUT landing late`, async () => {
      const { bucket, store } = await newBucket(s3mock);
      const holding = new HoldingObjectStore(store);
      const stale = writer(holding, true);
      const owner = writer(store, true);

      // The old owner (generation 4) read 3 records; its PUT is sent but held.
      const hold = holding.holdNextPut(held === 'object' ? objectKey : manifestKey);
      const staleWrite = stale.write(pair, batchOf(3), () => true, { group, generation: 4 });
      staleWrite.catch(() => {});
      await hold.arrived;

      // The rebalance gave the partition to the new owner (generation 5): it re-read 5 records.
      const entry = await owner.write(pair, batchOf(5), () => true, { group, generation: 5 });
      const ownerObject = await store.get(objectKey);
      const ownerManifest = await store.get(manifestKey);

      await hold.release();
      await expect(staleWrite).rejects.toMatchObject({ name: 'StaleBatchError' });

      expect((await store.get(objectKey)).equals(ownerObject)).toBe(true);
      expect((await store.get(manifestKey)).equals(ownerManifest)).toBe(true);
      expect((await decodeContainer(await store.get(objectKey))).map((r) => r.offset)).toEqual(['0', '1', '2', '3', '4']);
      expect(parseManifest(manifestKey, await store.get(manifestKey))).toEqual({ ok: true, entry });

      const verify = await runCliCaptured(
        ['verify', '--read-data'],
        backupEnv({ brokers: sharedKafkaBrokers(), s3Endpoint: s3mock.endpoint, bucket, stateDir: makeTempDir('state-') }),
      );
      expect(verify.code, verify.out + verify.err).toBe(ExitCode.ok);
    });
  }

  it('without conditional writes the same race lands the stale batch over the new owner (the window the fence closes)', async () => {
    const { store } = await newBucket(s3mock);
    const holding = new HoldingObjectStore(store);
    const hold = holding.holdNextPut(objectKey);
    const staleWrite = writer(holding, false).write(pair, batchOf(3), () => true, { group, generation: 4 });
    await hold.arrived;
    await writer(store, false).write(pair, batchOf(5), () => true, { group, generation: 5 });
    await hold.release();
    await staleWrite;
    // Records 3 and 4, committed by the new owner, are in no object any more.
    expect((await decodeContainer(await store.get(objectKey))).map((r) => r.offset)).toEqual(['0', '1', '2']);
  });

  it('the daemon writes every batch fenced with its group generation when conditional writes are on', async () => {
    const kafka = new Kafka({ brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING });
    const producer = testProducer(kafka);
    withCleanup({ stop: () => producer.disconnect() });
    await producer.connect();
    const topic = uniqueName('fenced');
    const N = 60;
    await producer.send({ topic, messages: Array.from({ length: N }, (_, i) => ({ partition: i % 4, value: Buffer.from(`value-${i}`) })) });
    const { bucket, store } = await newBucket(s3mock);
    const groupId = uniqueName('grp');
    const env = backupEnv({
      brokers: sharedKafkaBrokers(),
      s3Endpoint: s3mock.endpoint,
      bucket,
      stateDir: makeTempDir('state-'),
      extra: {
        ...pairsEnv({ 'samples/sourced': topic }),
        STREAMVAULT_KAFKA_GROUP_ID: groupId,
        STREAMVAULT_BATCH_MAX_EVENTS: '10',
        STREAMVAULT_S3_CONDITIONAL_WRITES: 'on',
      },
    });
    const run = withCleanup(spawnStreamvault(['backup', '--once'], env));
    expect(await run.exited, run.stderrText()).toBe(0);

    const contents = await readBackup(store, layout);
    expect([...contents.records.values()].map((r) => r.value!.toString()).sort()).toEqual(
      Array.from({ length: N }, (_, i) => `value-${i}`).sort(),
    );
    expect(contents.manifests.length).toBeGreaterThan(0);
    const manifestKeys = contents.manifests.map((m) => layout.manifestKey(m, m.partition, m.firstOffset));
    for (const key of [...contents.objectKeys, ...manifestKeys]) {
      const fence = storedFence((await store.head(key))!.metadata);
      expect(fence?.group, key).toBe(groupId);
      expect(fence!.generation).toBeGreaterThan(0);
    }
  });
});
