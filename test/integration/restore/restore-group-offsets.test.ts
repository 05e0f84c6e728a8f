import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { beforeAll, describe, expect, it } from 'vitest';
import { latestOffsetSnapshot } from '../../../src/storage/offset-snapshot.js';
import { newBackupTarget, type BackupTarget } from '../../helpers/backup-target.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { startKafkaBroker } from '../../helpers/kafka-broker.js';
import { uniqueName } from '../../helpers/names.js';
import { sharedKafkaBrokers, sharedKafkaKind } from '../../helpers/shared-servers.js';
import { spawnStreamvault } from '../../helpers/streamvault-process.js';
import { testProducer } from '../../helpers/test-producer.js';
import { jsonLines, newStateDir, restoreEnv, runRestoreCli } from './restore-fixtures.js';

/**
 * Consumer-group offsets backed up by the daemon and translated exactly on restore. The original
 * topic is written in transactions, so its offsets have gaps (one commit marker after every five
 * records) while the restore writes the same records contiguously: a group's committed offset
 * copied as it is, or interpolated, would put its consumers on the wrong record.
 *
 *   original partition p:  records 0-4 (p-a-0..4), marker 5, records 6-10 (p-b-0..4), marker 11; end 12
 *   restored partition p:  records 0-9, end 10
 *
 * Group G committed 5 on partition 0 (the marker: next record p0-b-0, restored at 5) and 8 on
 * partition 1 (p1-b-2, restored at 7). Group G2 committed 2 on partition 0 (restored at 2) and 11
 * on partition 1 (past the last record: the target's end, 10).
 */
const EXPECTED = (g: string, g2: string) => ({
  [g]: { 0: '5', 1: '7' },
  [g2]: { 0: '2', 1: '10' },
});

async function transaction(producer: Producer, topic: string, partition: number, values: string[]): Promise<void> {
  const txn = await producer.transaction();
  await txn.send({ topic, messages: values.map((v) => ({ partition, key: v, value: v })) });
  await txn.commit();
}

/** A real consumer of `group` reads `topic`, then commits `offsets` (partition -> next offset to read) and leaves: the group is Empty. */
async function consumeAndCommit(kafka: Kafka, group: string, topic: string, offsets: Record<number, string>): Promise<void> {
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 6000, rebalanceTimeout: 6000 });
  withCleanup({ stop: () => consumer.disconnect() });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const seen = new Map<number, bigint>();
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      seen.set(partition, BigInt(message.offset));
      if (Object.entries(offsets).every(([p, o]) => (seen.get(Number(p)) ?? -1n) >= BigInt(o) - 2n)) done();
    },
  });
  await finished;
  await consumer.commitOffsets(Object.entries(offsets).map(([partition, offset]) => ({ topic, partition: Number(partition), offset })));
  await consumer.disconnect();
}

/** The first record a consumer of `group` gets on each partition of `topic`, from its committed offsets (nothing committed by the read). */
async function nextValues(kafka: Kafka, group: string, topic: string, partitions = 2): Promise<Record<number, string>> {
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 6000, rebalanceTimeout: 6000 });
  withCleanup({ stop: () => consumer.disconnect() });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const first: Record<number, string> = {};
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      first[partition] ??= message.value!.toString();
      if (Object.keys(first).length === partitions) done();
    },
  });
  await finished;
  await consumer.disconnect();
  return first;
}

async function committedOn(admin: Admin, group: string, topic: string): Promise<Record<number, string>> {
  const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return Object.fromEntries(t!.partitions.map((p) => [p.partition, p.offset]));
}

describe.skipIf(sharedKafkaKind() !== 'kafka')('restore: consumer-group offsets (real Kafka only: transactions make the offset gaps)', { timeout: 300_000 }, () => {
  const kafka = new Kafka({ brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const topic = uniqueName('grp-orig');
  const G = uniqueName('billing');
  const G2 = uniqueName('audit');
  let backup: BackupTarget;
  const env = (prefix: string) =>
    restoreEnv(backup, sharedKafkaBrokers(), newStateDir(), { STREAMVAULT_RESTORE_STREAM_TARGET: 'none', STREAMVAULT_RESTORE_TOPIC_TEMPLATE: `${prefix}-{topic}` });

  beforeAll(async () => {
    withCleanup({ stop: () => admin.disconnect() });
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    const producer = testProducer(kafka, { transactionalId: uniqueName('txn') });
    withCleanup({ stop: () => producer.disconnect() });
    await producer.connect();
    for (const p of [0, 1]) {
      await transaction(producer, topic, p, [0, 1, 2, 3, 4].map((i) => `p${p}-a-${i}`));
      await transaction(producer, topic, p, [0, 1, 2, 3, 4].map((i) => `p${p}-b-${i}`));
    }
    await consumeAndCommit(kafka, G, topic, { 0: '5', 1: '8' });
    await consumeAndCommit(kafka, G2, topic, { 0: '2', 1: '11' });

    backup = await newBackupTarget('grp-offsets', { pairs: { 'samples/sourced': topic }, extra: { STREAMVAULT_BATCH_MAX_EVENTS: '4', STREAMVAULT_OFFSETS_INTERVAL_SECONDS: '1' } });
    const run = withCleanup(spawnStreamvault(['backup', '--once', '--json'], backup.env));
    expect(await run.exited, run.stderrText()).toBe(0);
  }, 240_000);

  it('the backup snapshots the groups reading the topic, aligned with what it holds (its own group is not among them)', async () => {
    const latest = await latestOffsetSnapshot(backup.store, backup.layout, topic);
    expect(latest?.key).toMatch(new RegExp(`^offsets/${topic}/\\d{4}-\\d{2}-\\d{2}/.+Z\\.json$`));
    expect(latest!.snapshot).toMatchObject({
      format: 'streamvault.consumer-offsets',
      version: 1,
      topic,
      // --once consumed to the end (past the last marker) and committed only then: the backup holds everything below 12.
      backedUp: [
        { partition: 0, below: '12' },
        { partition: 1, below: '12' },
      ],
    });
    expect(latest!.snapshot.groups.map((g) => ({ group: g.group, state: g.state, offsets: g.partitions.map((p) => [p.partition, p.committed]) }))).toEqual(
      [
        { group: G2, state: 'Empty', offsets: [[0, '2'], [1, '11']] },
        { group: G, state: 'Empty', offsets: [[0, '5'], [1, '8']] },
      ].sort((a, b) => a.group.localeCompare(b.group)),
    );
  });

  it('restore (both) translates each group exactly: a consumer of the group resumes on the target at the record the original group reads next', async () => {
    const prefix = uniqueName('ro');
    const target = `${prefix}-${topic}`;
    const run = await runRestoreCli(['--json'], env(prefix));
    expect(run.code, run.stderr).toBe(0);
    const summary = jsonLines(run.stdout).at(-1)!;
    expect(summary).toMatchObject({ message_type: 'summary', events_restored: 20, groups_offsets_set: 2, groups_refused_not_empty: [] });

    // Read back from the target: exact offsets, not the original numbers.
    const expected = EXPECTED(G, G2);
    expect(await committedOn(admin, G, target)).toEqual(expected[G]);
    expect(await committedOn(admin, G2, target)).toEqual(expected[G2]);
    expect((await admin.fetchTopicOffsets(target)).map((o) => o.high)).toEqual(['10', '10']);

    // The record each group reads next, on the original topic and on the target: the same.
    const original = await nextValues(kafka, G, topic);
    expect(original).toEqual({ 0: 'p0-b-0', 1: 'p1-b-2' });
    expect(await nextValues(kafka, G, target)).toEqual(original);
    // G2 is at the end of partition 1 on both sides: only partition 0 has a next record.
    expect(await nextValues(kafka, G2, topic, 1)).toEqual({ 0: 'p0-a-2' });
    expect(await nextValues(kafka, G2, target, 1)).toEqual({ 0: 'p0-a-2' });
  });

  it('into a new cluster, where the groups do not exist yet: created with the translated offsets', async () => {
    const cluster = withCleanup(await startKafkaBroker({ startTimeoutMs: 180_000 }));
    const run = await runRestoreCli(['--json'], restoreEnv(backup, cluster.brokers, newStateDir(), { STREAMVAULT_RESTORE_STREAM_TARGET: 'none' }));
    expect(run.code, run.stderr).toBe(0);
    const targetKafka = new Kafka({ brokers: cluster.brokers, logLevel: logLevel.NOTHING });
    const targetAdmin = targetKafka.admin();
    withCleanup({ stop: () => targetAdmin.disconnect() });
    await targetAdmin.connect();
    const expected = EXPECTED(G, G2);
    expect(await committedOn(targetAdmin, G, topic)).toEqual(expected[G]);
    expect(await committedOn(targetAdmin, G2, topic)).toEqual(expected[G2]);
    expect(await nextValues(targetKafka, G, topic)).toEqual({ 0: 'p0-b-0', 1: 'p1-b-2' });
  });

  it('refuses a group that is not empty in the target, leaves its offsets unchanged, sets the others, exit 7', async () => {
    const prefix = uniqueName('rr');
    const target = `${prefix}-${topic}`;
    const events = await runRestoreCli(['--what', 'events', '--json'], env(prefix));
    expect(events.code, events.stderr).toBe(0);
    // G2 has a running consumer on the target topic (reading nothing, committing nothing).
    const running = kafka.consumer({ groupId: G2, sessionTimeout: 6000, rebalanceTimeout: 6000 });
    withCleanup({ stop: () => running.disconnect() });
    await running.connect();
    await running.subscribe({ topics: [target], fromBeginning: true });
    const joined = new Promise<void>((resolve) => running.on(running.events.GROUP_JOIN, () => resolve()));
    await running.run({ autoCommit: false, eachMessage: async () => {} });
    await joined;
    const before = await committedOn(admin, G2, target);

    const run = await runRestoreCli(['--what', 'offsets', '--json'], env(prefix));
    expect(run.code, run.stderr).toBe(7);
    expect(run.stderr).toContain(`consumer group ${G2} is not empty in the target (state Stable, 1 member(s)): its offsets were left unchanged`);
    expect(jsonLines(run.stdout).at(-1)).toMatchObject({ message_type: 'summary', groups_offsets_set: 1, groups_refused_not_empty: [G2] });
    expect(await committedOn(admin, G2, target)).toEqual(before);
    expect(before).toEqual({ 0: '-1', 1: '-1' });
    expect(await committedOn(admin, G, target)).toEqual(EXPECTED(G, G2)[G]);
  });

  it('--dry-run prints the translation table and writes nothing; --what offsets then sets exactly that, producing no event', async () => {
    const prefix = uniqueName('rd');
    const target = `${prefix}-${topic}`;
    // Before any event is in the target, the dry run says the offsets follow the events.
    const fresh = await runRestoreCli(['--dry-run'], env(prefix));
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stdout).toContain(`translated once the events are restored (target topic ${target} does not exist yet)`);

    const events = await runRestoreCli(['--what', 'events', '--json'], env(prefix));
    expect(events.code, events.stderr).toBe(0);
    const dry = await runRestoreCli(['--dry-run'], env(prefix));
    expect(dry.code, dry.stderr).toBe(0);
    const row = (group: string, partition: number) => dry.stdout.split('\n').find((l) => l.startsWith(group) && l.split(/\s+/)[2] === String(partition));
    expect(row(G, 0)?.split(/\s+/).slice(0, 6)).toEqual([G, topic, '0', '5', target, '5']);
    expect(row(G, 0)).toContain('next restored record: original offset 6');
    expect(row(G, 1)?.split(/\s+/).slice(0, 6)).toEqual([G, topic, '1', '8', target, '7']);
    expect(row(G2, 1)).toContain("beyond the last restored record (original offset 10): the target's end");

    const dryJson = await runRestoreCli(['--dry-run', '--json', '--what', 'offsets'], env(prefix));
    expect(dryJson.code, dryJson.stderr).toBe(0);
    const table = (jsonLines(dryJson.stdout)[0]!.consumer_offsets as { rows: Array<Record<string, unknown>> }).rows;
    expect(table.map((r) => [r.group, r.partition, r.committed, r.target_topic, r.target_offset])).toEqual(
      [
        [G, 0, '5', target, '5'],
        [G, 1, '8', target, '7'],
        [G2, 0, '2', target, '2'],
        [G2, 1, '11', target, '10'],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    // Nothing written by either dry run.
    expect(await committedOn(admin, G, target)).toEqual({ 0: '-1', 1: '-1' });

    const run = await runRestoreCli(['--what', 'offsets', '--json'], env(prefix));
    expect(run.code, run.stderr).toBe(0);
    expect(await committedOn(admin, G, target)).toEqual(EXPECTED(G, G2)[G]);
    expect(await committedOn(admin, G2, target)).toEqual(EXPECTED(G, G2)[G2]);
    expect((await admin.fetchTopicOffsets(target)).map((o) => o.high)).toEqual(['10', '10']);
    expect(await nextValues(kafka, G, target)).toEqual({ 0: 'p0-b-0', 1: 'p1-b-2' });
  });
});
