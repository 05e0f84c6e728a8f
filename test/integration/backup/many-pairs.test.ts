import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { BackupConsumer } from '../../../src/backup/backup-consumer.js';
import { BatchWriter } from '../../../src/backup/batch-writer.js';
import { opaqueInspector } from '../../../src/backup/event-inspector.js';
import { PairWorker } from '../../../src/backup/pair-worker.js';
import type { Pair } from '../../../src/config/pair.js';
import { createLogger } from '../../../src/observability/logger.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import type { ObjectStore, PutOptions } from '../../../src/storage/object-store.js';
import { newBackupTarget } from '../../helpers/backup-target.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { uniqueName } from '../../helpers/names.js';
import { readBackup } from '../../helpers/read-backup.js';
import { sharedKafkaBrokers } from '../../helpers/shared-servers.js';
import { spawnStreamvault } from '../../helpers/streamvault-process.js';
import { testProducer } from '../../helpers/test-producer.js';
import { until } from '../../helpers/until.js';

const kafka = new Kafka({ brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING });

async function clients() {
  const producer = testProducer(kafka);
  const admin = kafka.admin();
  withCleanup({ stop: async () => void (await Promise.allSettled([producer.disconnect(), admin.disconnect()])) });
  await Promise.all([producer.connect(), admin.connect()]);
  return { producer, admin };
}

/** Committed offsets of a group on a topic, by partition ('-1': none). */
async function committed(admin: ReturnType<Kafka['admin']>, groupId: string, topic: string): Promise<Record<number, string>> {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return Object.fromEntries((t?.partitions ?? []).map((p) => [p.partition, p.offset]));
}

/** Offsets the bucket holds for one topic, by partition, sorted (read back with the test's own reader). */
async function heldOffsets(store: ObjectStore, layout: Parameters<typeof readBackup>[1], topic: string): Promise<Record<number, number[]>> {
  const held: Record<number, number[]> = {};
  for (const record of (await readBackup(store, layout)).records.values()) {
    if (record.topic !== topic) continue;
    (held[record.partition] ??= []).push(Number(record.offset));
  }
  for (const offsets of Object.values(held)) offsets.sort((a, b) => a - b);
  return held;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** Pairs behind one shared consumer, in this process, on the real broker, writing into `store`. */
async function twoPairs(options: { store: ObjectStore; group: string; pairs: readonly Pair[]; maxEvents: number; maxAgeMs: number }) {
  const logger = createLogger('silent');
  const admin = kafka.admin();
  await admin.connect();
  const limits = { maxEvents: options.maxEvents, maxAgeMs: options.maxAgeMs, maxBytes: 64 * 1024 * 1024 };
  const fatal: Error[] = [];
  const consumer = new BackupConsumer({
    createConsumer: (config) => kafka.consumer(config),
    groupId: options.group,
    legacyGroupIdOf: (pair) => `${options.group}.${pair.source}.${pair.event}`,
    admin,
    fromBeginning: true,
    sessionTimeoutMs: 10_000,
    limits,
    logger,
    monotonicNow: () => performance.now(),
    onFatal: (error) => void fatal.push(error),
  });
  const layout = new KeyLayout('');
  const writer = new BatchWriter({ store: options.store, layout, codec: 'null', streamSink: { persist: async () => {} }, now: () => new Date() });
  const workers = options.pairs.map(
    (pair) =>
      new PairWorker({ pair, consumer, limits, writer, inspector: opaqueInspector, logger, monotonicNow: () => performance.now(), wallNow: () => Date.now() }),
  );
  consumer.serve(workers);
  const stop = async () => {
    await consumer.drain();
    await admin.disconnect();
  };
  withCleanup({ stop });
  await consumer.start();
  return { consumer, workers, layout, fatal, stop };
}

/** Puts of pair A's keys (`events/a/...`, `manifests/a/...`) go through `gate`; the rest pass. */
function gatedStore(inner: ObjectStore, gate: (key: string) => Promise<void>): ObjectStore {
  return new Proxy(inner, {
    get(target, name, receiver) {
      if (name === 'put') {
        return async (key: string, body: Buffer, options?: PutOptions) => {
          if (/(^|\/)(events|manifests)\/a\//.test(key)) await gate(key);
          return target.put(key, body, options);
        };
      }
      const value = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('many pairs behind one consumer (real broker, real S3)', () => {
  it("one pair whose batches cannot be written does not stop the other: the other is backed up and committed, the failing one commits nothing until S3 takes its writes", async () => {
    const { producer, admin } = await clients();
    const [topicA, topicB] = [uniqueName('pair-a'), uniqueName('pair-b')];
    await admin.createTopics({ topics: [{ topic: topicA, numPartitions: 2 }, { topic: topicB, numPartitions: 2 }], waitForLeaders: true });
    await producer.send({ topic: topicA, messages: range(0, 60).map((i) => ({ partition: i % 2, value: Buffer.from(`a-${i}`) })) });
    await producer.send({ topic: topicB, messages: range(0, 60).map((i) => ({ partition: i % 2, value: Buffer.from(`b-${i}`) })) });
    const target = await newBackupTarget('isolation');
    let refusing = true;
    let refused = 0;
    const store = gatedStore(target.store, async () => {
      if (refusing) {
        refused += 1;
        throw new Error('S3 refuses pair a (injected)');
      }
    });
    const group = uniqueName('grp');
    const run = await twoPairs({
      store,
      group,
      pairs: [
        { source: 'a', event: 'sourced', topic: topicA },
        { source: 'b', event: 'sourced', topic: topicB },
      ],
      maxEvents: 10,
      maxAgeMs: 500,
    });

    // Pair b: every record in the bucket and committed to the end, while pair a's writes fail.
    await until('pair b committed to its end', async () => {
      const c = await committed(admin, group, topicB);
      return c[0] === '30' && c[1] === '30' ? true : undefined;
    }, 60_000, 200);
    expect(await heldOffsets(target.store, target.layout, topicB)).toEqual({ 0: range(0, 30), 1: range(0, 30) });
    expect(refused).toBeGreaterThan(0);
    expect(await committed(admin, group, topicA)).toEqual({ 0: '-1', 1: '-1' });
    expect(await heldOffsets(target.store, target.layout, topicA)).toEqual({});
    // New events of pair b keep flowing meanwhile.
    await producer.send({ topic: topicB, messages: range(60, 70).map((i) => ({ partition: 0, value: Buffer.from(`b-${i}`) })) });
    await until('pair b committed its new events', async () => ((await committed(admin, group, topicB))[0] === '40' ? true : undefined), 60_000, 200);

    refusing = false;
    await until('pair a committed to its end once S3 takes its writes', async () => {
      const c = await committed(admin, group, topicA);
      return c[0] === '30' && c[1] === '30' ? true : undefined;
    }, 90_000, 200);
    await run.stop();
    expect(await heldOffsets(target.store, target.layout, topicA)).toEqual({ 0: range(0, 30), 1: range(0, 30) });
    expect(run.fatal).toEqual([]);
  }, 180_000);

  it('a backlog on one pair does not starve another: the other pair is backed up while the backlog is still being written', async () => {
    const { producer, admin } = await clients();
    const [topicA, topicB] = [uniqueName('backlog'), uniqueName('trickle')];
    await admin.createTopics({ topics: [{ topic: topicA, numPartitions: 1 }, { topic: topicB, numPartitions: 1 }], waitForLeaders: true });
    const BACKLOG = 6000;
    const value = Buffer.alloc(1024, 7);
    for (let from = 0; from < BACKLOG; from += 1000) {
      await producer.send({ topic: topicA, messages: range(from, from + 1000).map(() => ({ value })) });
    }
    const target = await newBackupTarget('backlog');
    // Every batch of the backlog takes at least 400 ms to write: 30 batches, 12 s or more in all.
    const store = gatedStore(target.store, () => new Promise((resolve) => setTimeout(resolve, 200)));
    const group = uniqueName('grp');
    const run = await twoPairs({
      store,
      group,
      pairs: [
        { source: 'a', event: 'sourced', topic: topicA },
        { source: 'b', event: 'sourced', topic: topicB },
      ],
      maxEvents: 200,
      maxAgeMs: 500,
    });
    await until('the backlog is being written', async () => (Number((await committed(admin, group, topicA))[0]) > 0 ? true : undefined), 60_000, 100);
    await producer.send({ topic: topicB, messages: range(0, 10).map((i) => ({ value: Buffer.from(`b-${i}`) })) });

    await until('pair b committed', async () => ((await committed(admin, group, topicB))[0] === '10' ? true : undefined), 30_000, 100);
    const backlogCommitted = Number((await committed(admin, group, topicA))[0]);
    expect(backlogCommitted).toBeLessThan(BACKLOG);
    expect(await heldOffsets(target.store, target.layout, topicB)).toEqual({ 0: range(0, 10) });

    await until('the backlog committed to its end', async () => ((await committed(admin, group, topicA))[0] === String(BACKLOG) ? true : undefined), 120_000, 200);
    await run.stop();
    expect(await heldOffsets(target.store, target.layout, topicA)).toEqual({ 0: range(0, BACKLOG) });
  }, 240_000);

  it("takes over the commits of the per-pair groups of an earlier version on its first start: nothing re-read, nothing skipped (built CLI)", async () => {
    const { producer, admin } = await clients();
    const topic = uniqueName('takeover');
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await producer.send({ topic, messages: range(0, 100).map((i) => ({ partition: i % 2, value: Buffer.from(`v-${i}`) })) });
    const { env, group, store, layout } = await newBackupTarget('takeover', {
      pairs: { 'samples/sourced': topic },
      // From the end when a partition has no commit at all: without the take-over this run would
      // back up nothing; reading from the beginning it would re-read what the old groups had.
      extra: { STREAMVAULT_KAFKA_FROM_BEGINNING: 'false', STREAMVAULT_BATCH_MAX_EVENTS: '7', STREAMVAULT_BATCH_MAX_AGE_SECONDS: '600' },
    });
    // What the earlier layout left behind: the pair's own group committed 30 and 20.
    const legacy = `${group}.samples.sourced`;
    await admin.setOffsets({ groupId: legacy, topic, partitions: [{ partition: 0, offset: '30' }, { partition: 1, offset: '20' }] });

    const first = withCleanup(spawnStreamvault(['backup', '--once'], env));
    expect(await first.exited, first.stderrText()).toBe(0);
    expect(await heldOffsets(store, layout, topic)).toEqual({ 0: range(30, 50), 1: range(20, 50) });
    expect(await committed(admin, group, topic)).toEqual({ 0: '50', 1: '50' });
    // The old group is left as it was (an operator may delete it).
    expect(await committed(admin, legacy, topic)).toEqual({ 0: '30', 1: '20' });

    // The second start reads on from the backup group's own commits.
    await producer.send({ topic, messages: range(100, 110).map((i) => ({ partition: i % 2, value: Buffer.from(`v-${i}`) })) });
    const second = withCleanup(spawnStreamvault(['backup', '--once'], env));
    expect(await second.exited, second.stderrText()).toBe(0);
    expect(await heldOffsets(store, layout, topic)).toEqual({ 0: range(30, 55), 1: range(20, 55) });
    const contents = await readBackup(store, layout);
    // Each offset in exactly one batch: nothing was re-read.
    const covered = contents.manifests.flatMap((m) => range(Number(m.firstOffset), Number(m.lastOffset) + 1).map((o) => `${m.partition}/${o}`));
    expect(new Set(covered).size).toBe(covered.length);
    expect(await committed(admin, group, topic)).toEqual({ 0: '55', 1: '55' });
  }, 120_000);
});
