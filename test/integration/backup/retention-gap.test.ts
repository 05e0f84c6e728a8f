import { Kafka, logLevel, type Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { readRetentionGaps, retentionGapSchema } from '../../../src/storage/retention-gap.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { S3ObjectStore } from '../../../src/storage/s3-object-store.js';
import { backupEnv, pairsEnv } from '../../helpers/backup-env.js';
import { newBackupTarget } from '../../helpers/backup-target.js';
import { createBucket, s3ClientFor, startS3Server } from '../../helpers/s3-server.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { uniqueName } from '../../helpers/names.js';
import { parseMetrics } from '../../helpers/prometheus-text.js';
import { readBackup } from '../../helpers/read-backup.js';
import { runCliCaptured } from '../../helpers/run-cli-captured.js';
import { sharedKafkaBrokers, sharedKafkaKind } from '../../helpers/shared-servers.js';
import { spawnStreamvault } from '../../helpers/streamvault-process.js';
import { testProducer } from '../../helpers/test-producer.js';
import { until } from '../../helpers/until.js';
import { jsonLines, newStateDir, restoreEnv, runRestoreCli } from '../restore/restore-fixtures.js';

/**
 * Size-based retention the broker really applies: segments roll at 1 MiB (Kafka's smallest) and
 * a partition keeps no more than its active segment (retention.bytes 1), so every closed segment
 * is deleted at the broker's next retention check (every second on the test brokers).
 */
const RETAIN_ACTIVE_SEGMENT_ONLY = { 'segment.bytes': String(1024 * 1024), 'retention.bytes': '1' };
const BIG = 64 * 1024;
const PAIR = { source: 'samples', event: 'sourced' };

/**
 * The partition's log start once retention is done with it: above `above`, and the same in three
 * readings a second apart (the brokers check retention every second; a check can run while the
 * test still produces, deleting the segments closed so far, and the next one the rest).
 */
async function settledLogStart(admin: Admin, topic: string, partition: number, above: bigint): Promise<bigint> {
  const readings: bigint[] = [];
  return until(`retention to finish deleting ${topic}/${partition}'s closed segments`, async () => {
    const low = BigInt((await admin.fetchTopicOffsets(topic)).find((o) => o.partition === partition)!.low);
    readings.push(low);
    const last = readings.slice(-3);
    return low > above && last.length === 3 && last.every((l) => l === low) ? low : undefined;
  }, 90_000, 1000);
}

describe.skipIf(sharedKafkaKind() !== 'kafka')('retention gaps (real Kafka only: the mock cluster applies no retention)', () => {
  it('records the offsets retention deleted while the backup was down, logs the gap once, counts it, lists it in stats, verify and the dry run, and backs up every retained record', { timeout: 300_000 }, async () => {
    const kafka = new Kafka({ brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    const producer = testProducer(kafka);
    withCleanup({ stop: async () => void (await Promise.allSettled([producer.disconnect(), admin.disconnect()])) });
    await admin.connect();
    await producer.connect();
    const topic = uniqueName('retention');
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 2, replicationFactor: 1, configEntries: Object.entries(RETAIN_ACTIVE_SEGMENT_ONLY).map(([name, value]) => ({ name, value })) }],
    });
    const produced = new Map<string, string>(); // partition/offset -> value
    const send = async (partition: number, values: string[]) => {
      const [meta] = await producer.send({ topic, messages: values.map((value) => ({ partition, value })) });
      values.forEach((value, i) => produced.set(`${partition}/${BigInt(meta!.baseOffset!) + BigInt(i)}`, value));
    };
    const low = async () => new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, BigInt(o.low)]));

    // Run 1 backs up what there is (all in the active segments) and commits it.
    await send(0, Array.from({ length: 10 }, (_, i) => `first-p0-${i}`));
    await send(1, Array.from({ length: 5 }, (_, i) => `first-p1-${i}`));
    const { env, store, layout, bucket } = await newBackupTarget('gaps', { pairs: { 'samples/sourced': topic } });
    const once = withCleanup(spawnStreamvault(['backup', '--once'], env));
    expect(await once.exited, once.stderrText()).toBe(0);
    expect((await readBackup(store, layout)).records.size).toBe(15);

    // While it is down, partition 0 gets more than two segments' worth; retention deletes the
    // closed ones, among them records never backed up. Partition 1 stays in its active segment.
    for (let chunk = 0; chunk < 4; chunk += 1) {
      await send(0, Array.from({ length: 10 }, (_, i) => `second-p0-${chunk * 10 + i}-`.padEnd(BIG, 'x')));
    }
    await send(1, Array.from({ length: 5 }, (_, i) => `second-p1-${i}`));
    const logStart = await settledLogStart(admin, topic, 0, 10n);
    expect((await low()).get(1)).toBe(0n);

    // Run 2: the daemon notices the gap when it is assigned the partition.
    const daemon = withCleanup(spawnStreamvault(['backup'], { ...env, STREAMVAULT_BATCH_MAX_AGE_SECONDS: '0.5' }));
    const listening = await daemon.waitForLog((l) => l.msg.startsWith('metrics and health listening'));
    const retained = [...produced].filter(([id]) => (id.startsWith('0/') ? BigInt(id.slice(2)) >= logStart || BigInt(id.slice(2)) < 10n : true));
    const inBackup = async () => {
      const backup = await readBackup(store, layout);
      return retained.every(([id]) => backup.records.has(`${topic}/${id}`)) && backup.indexed ? backup : undefined;
    };
    await until('every retained record backed up', inBackup, 90_000, 500);
    // More records after the gap: reading on notices nothing new.
    await send(0, ['third-p0-0', 'third-p0-1']);
    retained.push(...[...produced].filter(([id]) => produced.get(id)!.startsWith('third')));
    const backup = await until('the records produced after the gap backed up', inBackup, 60_000, 500);

    // The gap object: exactly the offsets retention deleted before the backup read them.
    const gaps = await readRetentionGaps(store, layout);
    expect(gaps.problems).toEqual([]);
    expect(gaps.gaps).toHaveLength(1);
    const gap = gaps.gaps[0]!;
    expect(gap).toMatchObject({
      format: 'streamvault.retention-gap',
      version: 1,
      ...PAIR,
      topic,
      partition: 0,
      from: '10',
      to: String(logStart - 1n),
      continuedFrom: 'committed-offset',
      logStartOffset: String(logStart),
    });
    expect(gap.host.length).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(gap.noticedAt))).toBe(false);
    const key = layout.retentionGapKey(PAIR, 0, '10');
    expect(retentionGapSchema.parse(JSON.parse((await store.get(key)).toString()))).toEqual(gap);
    // The log start has not moved since the test read it (the gap's `to` is the test's own reading).
    expect((await low()).get(0)).toBe(logStart);

    // Every retained record is in the backup, byte for byte; nothing of the gap is.
    const p0 = [...backup.records.values()].filter((r) => r.partition === 0).map((r) => BigInt(r.offset));
    expect(p0.filter((o) => o >= 10n && o < logStart)).toEqual([]);
    for (const [id, value] of retained) expect(backup.records.get(`${topic}/${id}`)?.value?.toString(), id).toBe(value);

    const metrics = parseMetrics(await (await fetch(`http://127.0.0.1:${listening.port as number}/metrics`)).text());
    const labels = (partition: number) => `{pair="samples/sourced",topic="${topic}",partition="${partition}"}`;
    expect(metrics.get(`streamvault_retention_gaps_total${labels(0)}`)).toBe(1);
    expect(metrics.get(`streamvault_retention_gap_offsets_total${labels(0)}`)).toBe(Number(logStart - 10n));
    expect(metrics.has(`streamvault_retention_gap_offsets_total${labels(1)}`)).toBe(false);

    await daemon.stop();
    expect(await daemon.exited, daemon.stderrText()).toBe(0);
    const errorLines = daemon.logs.filter((l) => l.level === 'error' && l.msg.startsWith('retention gap'));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatchObject({ partition: 0, from: '10', to: String(logStart - 1n), key });

    const stats = await runCliCaptured(['stats', '--json'], env);
    expect(stats.code, stats.err).toBe(0);
    expect((JSON.parse(stats.out) as { retentionGaps: unknown[] }).retentionGaps).toEqual([gap]);
    const statsText = await runCliCaptured(['stats'], env);
    expect(statsText.out).toContain(`retention gap: samples/sourced ${topic}/0: offsets 10..${logStart - 1n} (${logStart - 10n})`);

    // verify: a warning, not damage; the exit status stays 0.
    const verify = await runCliCaptured(['verify', '--json'], env);
    expect(verify.code, verify.out).toBe(0);
    const summary = jsonLines(verify.out).at(-1)!;
    expect(summary).toMatchObject({ message_type: 'summary', errors: [], retention_gaps: [{ ...PAIR, topic, partition: 0, from: '10', to: String(logStart - 1n), offsets: String(logStart - 10n) }] });

    const restoreTo = restoreEnv({ bucket }, sharedKafkaBrokers(), newStateDir(), { STREAMVAULT_RESTORE_STREAM_TARGET: 'none', STREAMVAULT_RESTORE_TOPIC_TEMPLATE: '{topic}-restored' });
    const dry = await runRestoreCli(['--dry-run', '--json'], restoreTo);
    expect(dry.code, dry.stderr).toBe(0);
    expect(jsonLines(dry.stdout).find((l) => l.message_type === 'plan')).toMatchObject({
      retention_gaps: [{ ...PAIR, topic, partition: 0, from: '10', to: String(logStart - 1n) }],
    });
    // A range outside the gap shows none; one inside it shows it.
    const outside = await runRestoreCli(['--dry-run', '--json', '--partition', `${topic}:1`, '--from-offset', '0', '--to-offset', '100'], restoreTo);
    expect(jsonLines(outside.stdout).find((l) => l.message_type === 'plan')).toMatchObject({ retention_gaps: [] });
    const text = await runRestoreCli(['--dry-run', '--partition', `${topic}:0`, '--from-offset', '0', '--to-offset', '20'], restoreTo);
    expect(text.stdout).toContain(`retention gap (not in the backup, cannot be restored): samples/sourced ${topic}/0: offsets 10..${logStart - 1n}`);
  });

  it('records the offsets retention deleted while the running daemon lagged (S3 down, kafkajs moved the partition after OFFSET_OUT_OF_RANGE), and backs up every retained record', { timeout: 300_000 }, async () => {
    const kafka = new Kafka({ brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    const producer = testProducer(kafka);
    withCleanup({ stop: async () => void (await Promise.allSettled([producer.disconnect(), admin.disconnect()])) });
    await admin.connect();
    await producer.connect();
    const topic = uniqueName('lagging');
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 1, replicationFactor: 1, configEntries: Object.entries(RETAIN_ACTIVE_SEGMENT_ONLY).map(([name, value]) => ({ name, value })) }],
    });
    const produced = new Map<bigint, string>();
    const send = async (values: string[]) => {
      const [meta] = await producer.send({ topic, messages: values.map((value) => ({ partition: 0, value })) });
      values.forEach((value, i) => produced.set(BigInt(meta!.baseOffset!) + BigInt(i), value));
    };
    const s3 = withCleanup(await startS3Server());
    const bucket = uniqueName('lagging');
    const client = s3ClientFor(s3, { maxAttempts: 1 });
    await createBucket(client, bucket);
    const store = new S3ObjectStore(client, bucket);
    const layout = new KeyLayout('');
    const env = backupEnv({
      brokers: sharedKafkaBrokers(),
      s3Endpoint: s3.endpoint,
      bucket,
      stateDir: makeTempDir('state-'),
      extra: {
        ...pairsEnv({ 'samples/sourced': topic }),
        STREAMVAULT_KAFKA_GROUP_ID: uniqueName('grp'),
        STREAMVAULT_BATCH_MAX_EVENTS: '5',
        STREAMVAULT_BATCH_MAX_AGE_SECONDS: '0.5',
        STREAMVAULT_S3_MAX_ATTEMPTS: '1',
        STREAMVAULT_READINESS_PROBE_SECONDS: '0.5',
      },
    });
    const daemon = withCleanup(spawnStreamvault(['backup'], env));
    const listening = await daemon.waitForLog((l) => l.msg.startsWith('metrics and health listening'));
    const metric = async (name: string) =>
      parseMetrics(await (await fetch(`http://127.0.0.1:${listening.port as number}/metrics`)).text()).get(`${name}{pair="samples/sourced"}`) ?? 0;
    await send(Array.from({ length: 10 }, (_, i) => `early-${i}`));
    await until('the first records backed up', async () => ((await readBackup(store, layout)).indexedRecords === 10 ? true : undefined), 60_000, 500);

    // S3 goes away: the next full batch cannot be written, so the partition stops being fetched.
    await s3.stop();
    await send(Array.from({ length: 20 }, (_, i) => `held-${i}`));
    await until('the daemon to read into the outage', async () => ((await metric('streamvault_events_consumed_total')) >= 15 ? true : undefined), 60_000, 200);
    // Meanwhile retention deletes closed segments, past where the daemon will read on.
    for (let chunk = 0; chunk < 4; chunk += 1) await send(Array.from({ length: 10 }, (_, i) => `late-${chunk * 10 + i}-`.padEnd(BIG, 'x')));
    const logStart = await settledLogStart(admin, topic, 0, 30n);
    await s3.restart();

    const retained = [...produced.keys()].filter((o) => o >= logStart);
    const backup = await until('every retained record backed up', async () => {
      const b = await readBackup(store, layout);
      return retained.every((o) => b.records.has(`${topic}/0/${o}`)) && b.indexed ? b : undefined;
    }, 120_000, 500);
    const held = [...backup.records.values()].map((r) => BigInt(r.offset)).sort((a, b) => (a < b ? -1 : 1));
    // What the daemon read before the outage ended is backed up without a hole; then the gap; then the log.
    const from = held.find((o, i) => held[i + 1] !== undefined && held[i + 1] !== o + 1n)! + 1n;
    expect(held.filter((o) => o < from)).toEqual(Array.from({ length: Number(from) }, (_, i) => BigInt(i)));
    expect(held.filter((o) => o >= from)).toEqual(retained);
    for (const record of backup.records.values()) expect(record.value?.toString()).toBe(produced.get(BigInt(record.offset)));

    const gaps = await until('the gap recorded', async () => {
      const listing = await readRetentionGaps(store, layout);
      return listing.gaps.length > 0 ? listing : undefined;
    }, 30_000, 500);
    expect(gaps.problems).toEqual([]);
    expect(gaps.gaps).toMatchObject([{ ...PAIR, topic, partition: 0, from: String(from), to: String(logStart - 1n), logStartOffset: String(logStart) }]);
    expect(BigInt((await admin.fetchTopicOffsets(topic))[0]!.low)).toBe(logStart);
    await daemon.stop();
    expect(await daemon.exited, daemon.stderrText()).toBe(0);
    expect(daemon.logs.filter((l) => l.level === 'error' && l.msg.startsWith('retention gap'))).toHaveLength(1);
  });
});
