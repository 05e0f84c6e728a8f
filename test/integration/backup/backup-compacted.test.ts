import { ConfigResourceTypes, Kafka, logLevel, type Admin, type IHeaders, type Producer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { readTopics, type TopicRecord } from '../../../scripts/local/read-topics.js';
import type { BackupRecord } from '../../../src/events/backup-record.js';
import { readContainer } from '../../../src/events/avro-container.js';
import { newBackupTarget } from '../../helpers/backup-target.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { uniqueName } from '../../helpers/names.js';
import { readBackup } from '../../helpers/read-backup.js';
import { readRetentionGaps } from '../../../src/storage/retention-gap.js';
import { sharedKafkaBrokers, sharedKafkaKind } from '../../helpers/shared-servers.js';
import { spawnStreamvault } from '../../helpers/streamvault-process.js';
import { testProducer } from '../../helpers/test-producer.js';
import { until } from '../../helpers/until.js';
import { jsonLines, newStateDir, restoreEnv, runRestoreCli } from '../restore/restore-fixtures.js';

/**
 * A topic the broker really compacts: segments of 1 MiB (Kafka's smallest) roll while the test
 * produces, any dirty share makes a log cleanable, and nothing is too young to compact. Tombstones
 * are kept for a day: removing them would change the topic again at a time of the broker's choosing,
 * and the test compares the backup with the topic as it stands.
 */
const COMPACTED = {
  'cleanup.policy': 'compact',
  'segment.bytes': String(1024 * 1024),
  'min.cleanable.dirty.ratio': '0.01',
  'min.compaction.lag.ms': '0',
  'delete.retention.ms': '86400000',
};
const PARTITIONS = 2;
/** Keys rewritten over and over: compaction keeps the last record of each. */
const KEYS = 12;
const VALUE_BYTES = 4 * 1024;
/**
 * Records with keys of their own after each round, more than a segment's worth: every rewritten
 * key then sits in closed segments, which the cleaner compacts, and never in the active one, which
 * it leaves alone. Compaction of a round is complete when every rewritten key appears once.
 */
const TAIL = 300;

interface Produced {
  readonly partition: number;
  readonly offset: string;
  readonly key: string;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
}

/**
 * One round per partition: `records` writes of the rewritten keys (every 5th a tombstone; some
 * keys end deleted in every round used here), then the tail. Sent in requests of 100 (a request's record batch must fit
 * max.message.bytes), so segments roll between batches and cleaned batches keep gaps inside.
 */
async function produceRound(producer: Producer, topic: string, round: number, records: number): Promise<Produced[]> {
  const produced: Produced[] = [];
  for (let partition = 0; partition < PARTITIONS; partition += 1) {
    const messages = [
      ...Array.from({ length: records }, (_, i) => {
        // Fewer keys as the round goes on, so the last write of each (what compaction keeps) lies
        // anywhere in the round and the kept records have gaps between them, not only before them.
        const key = `key-${(i + round) % (KEYS - Math.floor((i * KEYS) / records))}`;
        const tombstone = i % 5 === 4;
        return { key, value: tombstone ? null : Buffer.from(`r${round}-p${partition}-${i}-`.padEnd(VALUE_BYTES, String(i % 10))), headers: { round: String(round), n: String(i) } };
      }),
      ...Array.from({ length: TAIL }, (_, i) => ({
        key: `tail-${round}-${i}`,
        value: Buffer.from(`tail-r${round}-p${partition}-${i}-`.padEnd(VALUE_BYTES, 't')),
        headers: { round: String(round), tail: String(i) },
      })),
    ];
    for (let from = 0; from < messages.length; from += 100) {
      const chunk = messages.slice(from, from + 100);
      const [meta] = await producer.send({ topic, messages: chunk.map((m) => ({ ...m, partition })) });
      chunk.forEach((m, i) => produced.push({ partition, offset: (BigInt(meta!.baseOffset!) + BigInt(i)).toString(), ...m }));
    }
  }
  return produced;
}

/** The topic once the broker compacted every rewritten key down to one record per partition. */
async function compactedTopic(kafka: Kafka, topic: string): Promise<TopicRecord[]> {
  return until(
    `the broker to compact ${topic}`,
    async () => {
      const records = await readTopics(kafka, [topic], 60_000);
      for (let partition = 0; partition < PARTITIONS; partition += 1) {
        const keys = records.filter((r) => r.partition === partition && r.key!.toString().startsWith('key-')).map((r) => r.key!.toString());
        if (keys.length === 0 || new Set(keys).size !== keys.length) return undefined;
      }
      return records;
    },
    180_000,
    1000,
  );
}

const headerObject = (headers: IHeaders) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));
const backupHeaderObject = (record: BackupRecord) => Object.fromEntries(record.headers.map((h) => [h.key, h.value === null ? null : h.value.toString()]));

/** A record as the comparisons see it: offset, key, value (null for a tombstone), timestamp, headers. */
function fromTopic(r: TopicRecord) {
  return { partition: r.partition, offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null, timestamp: r.timestamp, headers: headerObject(r.headers) };
}
function fromBackup(r: BackupRecord) {
  return { partition: r.partition, offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null, timestamp: r.timestamp.toString(), headers: backupHeaderObject(r) };
}
const byOffset = <T extends { partition: number; offset: string }>(records: T[]) =>
  [...records].sort((a, b) => a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : BigInt(a.offset) > BigInt(b.offset) ? 1 : 0));

async function committedOffsets(admin: Admin, group: string, topic: string): Promise<Map<number, string>> {
  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return new Map(offsets!.partitions.map((p) => [p.partition, p.offset]));
}

/** Runs `backup --once --json` to its end (exit 0 expected) and returns its summary line. */
async function backupOnce(env: Record<string, string>): Promise<Record<string, unknown>> {
  const run = withCleanup(spawnStreamvault(['backup', '--once', '--json'], env));
  expect(await run.exited, run.stderrText()).toBe(0);
  return JSON.parse(run.stdout().trim().split('\n').at(-1)!) as Record<string, unknown>;
}

describe.skipIf(sharedKafkaKind() !== 'kafka')('compacted topics (real Kafka only: the mock cluster does not compact)', () => {
  it('backs up what compaction left (gaps inside and between batches), verifies it, restores it exactly once into a compacted topic, and a later run loses no surviving record', { timeout: 600_000 }, async () => {
    const kafka = new Kafka({ brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    const producer = testProducer(kafka);
    withCleanup({ stop: async () => void (await Promise.allSettled([producer.disconnect(), admin.disconnect()])) });
    await admin.connect();
    await producer.connect();
    const topic = uniqueName('compacted');
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1, configEntries: Object.entries(COMPACTED).map(([name, value]) => ({ name, value })) }],
    });

    // Round 1: produce, let the broker compact, then read what it kept.
    await produceRound(producer, topic, 1, 500);
    const kept1 = await compactedTopic(kafka, topic);
    for (let partition = 0; partition < PARTITIONS; partition += 1) {
      const offsets = kept1.filter((r) => r.partition === partition).map((r) => BigInt(r.offset));
      expect(offsets.at(-1)! - offsets[0]! + 1n, `partition ${partition}'s offsets have gaps`).toBeGreaterThan(BigInt(offsets.length));
      // Some keys ended deleted: their tombstone is what is left of them.
      expect(kept1.some((r) => r.partition === partition && r.value === null)).toBe(true);
    }

    const { env, group, store, layout, bucket } = await newBackupTarget('compacted', {
      pairs: { 'samples/sourced': topic },
      extra: { STREAMVAULT_BATCH_MAX_EVENTS: '25', STREAMVAULT_BATCH_MAX_AGE_SECONDS: '600' },
    });
    const summary1 = await backupOnce(env);
    const ends1 = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o.high]));
    expect(await committedOffsets(admin, group, topic)).toEqual(ends1);

    // Exactly what the broker held: the topic is unchanged since (nothing is produced, tombstones stay).
    const backup1 = await readBackup(store, layout);
    expect(backup1.indexed).toBe(true);
    expect(byOffset([...backup1.records.values()].map(fromBackup))).toEqual(kept1.map(fromTopic));
    expect((await readTopics(kafka, [topic], 60_000)).map(fromTopic)).toEqual(kept1.map(fromTopic));

    // Each manifest names the first and last record its object holds and their count; the gaps
    // between them are offsets the broker no longer had.
    let gapsInside = 0;
    for (const entry of backup1.manifests) {
      const offsets: string[] = [];
      for await (const r of readContainer(await store.getStream(entry.key))) offsets.push(r.offset);
      expect({ first: entry.firstOffset, last: entry.lastOffset, count: entry.count }).toEqual({ first: offsets[0], last: offsets.at(-1), count: offsets.length });
      if (BigInt(entry.lastOffset) - BigInt(entry.firstOffset) + 1n > BigInt(entry.count)) gapsInside += 1;
    }
    expect(gapsInside).toBeGreaterThan(0);
    // The summary counts the records backed up; its progress went through every offset.
    const offsets1 = [...ends1.values()].reduce((n, end) => n + Number(end), 0);
    expect(summary1).toMatchObject({
      message_type: 'summary',
      events_backed_up: kept1.length,
      events_expected: offsets1,
      total_files: offsets1,
      files_done: offsets1,
      bytes_done: backup1.manifests.reduce((n, e) => n + e.bytes, 0),
      incomplete_partitions: [],
    });

    const verified = withCleanup(spawnStreamvault(['verify', '--read-data', '--json'], env));
    expect(await verified.exited, `${verified.stdout()}${verified.stderrText()}`).toBe(0);

    // Restore into a new topic: created compacted as recorded, each kept record once, in order, tombstones as tombstones.
    const restoredTopic = `${topic}-restored`;
    const restoreState = newStateDir();
    const restoreTo = restoreEnv({ bucket }, sharedKafkaBrokers(), restoreState, { STREAMVAULT_RESTORE_STREAM_TARGET: 'none', STREAMVAULT_RESTORE_TOPIC_TEMPLATE: '{topic}-restored' });
    const restored = await runRestoreCli(['--json'], restoreTo);
    expect(restored.code, restored.stderr).toBe(0);
    expect(jsonLines(restored.stdout).at(-1)).toMatchObject({ message_type: 'summary', events_planned: kept1.length, events_restored: kept1.length });
    const described = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: restoredTopic, configNames: Object.keys(COMPACTED) }], includeSynonyms: false });
    expect(Object.fromEntries(described.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]))).toEqual(COMPACTED);
    const target = await readTopics(kafka, [restoredTopic], 60_000);
    const origins = target.map((r) => `${String(r.headers['streamvault.original.partition'])}:${String(r.headers['streamvault.original.offset'])}`);
    expect(new Set(origins).size).toBe(origins.length);
    for (let partition = 0; partition < PARTITIONS; partition += 1) {
      const expected = kept1.filter((r) => r.partition === partition).map(fromTopic);
      const got = target
        .filter((r) => r.partition === partition)
        .map((r) => {
          const { ['streamvault.original.topic']: t, ['streamvault.original.partition']: p, ['streamvault.original.offset']: o, ...headers } = r.headers;
          expect([String(t), String(p)]).toEqual([topic, String(partition)]);
          return { ...fromTopic({ ...r, headers }), offset: String(o) };
        });
      expect(got).toEqual(expected);
    }

    // Round 2 while the daemon runs: it backs up records the broker compacts away after it read
    // them (harmless), and resumes from committed offsets that compaction may have emptied.
    const daemon = withCleanup(spawnStreamvault(['backup'], { ...env, STREAMVAULT_BATCH_MAX_AGE_SECONDS: '1' }));
    const produced2 = await produceRound(producer, topic, 2, 300);
    const lastOf2 = produced2.filter((p) => p.partition === PARTITIONS - 1).at(-1)!;
    await until('the daemon to back up round 2', async () => {
      const contents = await readBackup(store, layout);
      return contents.records.has(`${topic}/${lastOf2.partition}/${lastOf2.offset}`) && contents.indexed ? contents : undefined;
    }, 120_000, 1000);
    const kept2 = await compactedTopic(kafka, topic);
    await daemon.stop();
    expect(await daemon.exited, daemon.stderrText()).toBe(0);
    await produceRound(producer, topic, 3, 200);
    const kept3 = await compactedTopic(kafka, topic);
    await backupOnce(env);
    expect(await committedOffsets(admin, group, topic)).toEqual(new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o.high])));

    const backup3 = await readBackup(store, layout);
    expect(backup3.indexed).toBe(true);
    const inBackup = new Map([...backup3.records.values()].map((r) => [`${r.partition}/${r.offset}`, fromBackup(r)]));
    // Nothing the broker kept is missing, nothing differs.
    for (const r of [...kept2, ...kept3]) expect(inBackup.get(`${r.partition}/${r.offset}`), `${r.partition}/${r.offset}`).toEqual(fromTopic(r));
    // Round 1's records stay in the backup even where the broker has compacted them away since.
    for (const r of kept1) expect(inBackup.get(`${r.partition}/${r.offset}`)).toEqual(fromTopic(r));
    expect(kept3.length).toBeLessThan(inBackup.size);

    const verifiedAgain = withCleanup(spawnStreamvault(['verify', '--read-data', '--json'], env));
    expect(await verifiedAgain.exited, `${verifiedAgain.stdout()}${verifiedAgain.stderrText()}`).toBe(0);
    // Compaction's holes are no retention gap: the log start never moved, so none is recorded
    // (three runs resumed from committed offsets that compaction may have emptied).
    expect((await admin.fetchTopicOffsets(topic)).map((o) => o.low)).toEqual(Array.from({ length: PARTITIONS }, () => '0'));
    expect(await readRetentionGaps(store, layout)).toEqual({ gaps: [], problems: [] });

    // The restore continues into its compacted target (which compacts what it receives, as the
    // original did): then the newest record of every key the backup holds is there, once, and a
    // rerun finds nothing to add, whether the target compacted meanwhile or not.
    const continued = await runRestoreCli(['--json'], restoreTo);
    expect(continued.code, continued.stderr).toBe(0);
    const rerun = await runRestoreCli(['--json'], restoreTo);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(jsonLines(rerun.stdout).at(-1)).toMatchObject({ message_type: 'summary', events_restored: 0 });
    const targetNow = await readTopics(kafka, [restoredTopic], 60_000);
    const originOf = (r: TopicRecord) => `${String(r.headers['streamvault.original.partition'])}/${String(r.headers['streamvault.original.offset'])}`;
    expect(new Set(targetNow.map(originOf)).size).toBe(targetNow.length);
    for (const r of targetNow) expect(inBackup.get(originOf(r))).toMatchObject({ key: r.key?.toString() ?? null, value: r.value?.toString() ?? null });
    const newestOfKey = new Map<string, string>();
    for (const r of byOffset([...inBackup.values()])) newestOfKey.set(`${r.partition}/${r.key}`, `${r.partition}/${r.offset}`);
    const inTarget = new Set(targetNow.map(originOf));
    for (const origin of newestOfKey.values()) expect(inTarget.has(origin), origin).toBe(true);
  });
});
