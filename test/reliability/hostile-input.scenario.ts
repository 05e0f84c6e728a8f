// Scenario 4: hostile input. Over 10,000 records: random bytes, truncated Avro, header keys named
// like Object.prototype members, extreme timestamps, values close to the broker's message size
// limit, thousands of headers on one record, events (testdata schema) whose stream references
// carry hostile sha256 strings and path-like source and label names, and topics written by kcat
// with every compression codec. Backed up, then restored into fresh topics; the backup (read with
// the suite's own Avro reader) and the restored topics (a kafkajs consumer) are compared with the
// original topics record by record: key, value, headers, timestamp. The daemon's RSS (VmRSS from
// /proc/<pid>/status) must stay under RSS_BOUND_MIB during both.
// What kafkajs hides, on both sides alike: repeated header keys come back grouped, so their
// interleaving is not compared. Keys named like Object.prototype members (`__proto__` included)
// are compared like any other.
// - lost: an original record missing from the backup or from the restored topic.
// - duplicated: an offset found in two events objects with different content, or an original
//   record restored more than once.
// Also: records whose backup or restored copy differs from the original are listed and must be none;
// no bucket key may be path-like (`..`) and every streams/ key is streams/<2 hex>/<64 hex>.
import { spawn } from 'node:child_process';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { newBackupTarget } from '../helpers/backup-target.js';
import { withCleanup } from '../helpers/cleanup.js';
import { uniqueName } from '../helpers/names.js';
import { s3ClientFor } from '../helpers/s3-server.js';
import { sharedKafkaBrokers, sharedS3Endpoint } from '../helpers/shared-servers.js';
import { startStreamServer } from '../helpers/stream-server.js';
import { spawnStreamvault } from '../helpers/streamvault-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';
import { conflictingDuplicates, listKeys, readBackupIndependently, type FoundRecord } from './kit/independent-backup-reader.js';
import { seededRandom } from './kit/random.js';
import { printReliabilityLine } from './kit/reliability-line.js';
import { compareRestore, topicRecordContent } from './kit/restore-check.js';
import { readTextTopicWithKcat } from './kit/kcat-topic-reader.js';
import { RssSampler } from './kit/rss-sampler.js';
import { StreamEventGenerator, TESTDATA_SCHEMA } from './kit/stream-events.js';
import { readTopicsOf, recordId, type TopicRecord } from './kit/topic-reader.js';
import { testProducer } from '../helpers/test-producer.js';

const RSS_BOUND_MIB = 400;
const RANDOM_RECORDS = 9_600;
const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
const PER_CODEC = 100;
// Kafka's default message.max.bytes is 1,048,588 (a record batch); the mock cluster takes as much.
const NEAR_LIMIT = 1_040_000;

/** The backup's copy in kafkajs's view (what the original topic read with kafkajs shows). */
function backupContent(r: FoundRecord): string {
  const headers: Record<string, Buffer[]> = Object.create(null) as Record<string, Buffer[]>;
  for (const h of r.headers) {
    (headers[h.key] ??= []).push(h.value ?? Buffer.alloc(0));
  }
  const asTopic: TopicRecord = { topic: r.topic, partition: r.partition, offset: String(r.offset), key: r.key, value: r.value, timestamp: r.timestamp.toString(), headers };
  return topicRecordContent(asTopic);
}

function kcatProduce(brokers: string[], topic: string, codec: string, lines: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', ['-P', '-b', brokers.join(','), '-t', topic, '-z', codec, '-K', '\t', '-X', 'allow.auto.create.topics=true'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kcat -z ${codec} exited ${code}: ${stderr}`))));
    child.stdin.end(`${lines.join('\n')}\n`);
  });
}

describe('reliability: hostile input', () => {
  it('backs up and restores 10,000 hostile records byte for byte with bounded memory', async () => {
    const random = seededRandom(424242);
    const streams = withCleanup(await startStreamServer());
    const mainTopic = uniqueName('rel-hostile');
    const codecTopics = Object.fromEntries(CODECS.map((c) => [c, uniqueName(`rel-${c}`)])) as Record<(typeof CODECS)[number], string>;
    const kafka = new Kafka({ brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING });
    // Real Kafka 4 refuses timestamps more than an hour ahead by default; the mock cluster has no
    // admin API (topics auto-create): so try to create the topic allowing any timestamp.
    const admin = kafka.admin();
    await admin.connect();
    await admin
      .createTopics({ topics: [{ topic: mainTopic, numPartitions: 4, configEntries: [{ name: 'message.timestamp.after.max.ms', value: '9223372036854775807' }] }] })
      .catch(() => undefined);
    await admin.disconnect();
    const producer = testProducer(kafka);
    await producer.connect();
    withCleanup({ stop: () => producer.disconnect() });

    const generator = await StreamEventGenerator.create({ firstSeed: 8_000_000 });
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
    const messages: Message[] = [];
    for (let i = 0; i < RANDOM_RECORDS; i++) {
      const kind = i % 5;
      if (kind === 0) messages.push({ key: bytes(1 + (i % 40)), value: bytes(Math.floor(random() * 2000)) });
      else if (kind === 1) {
        const e = generator.next();
        messages.push({ key: e.key, value: e.value.subarray(0, Math.floor(random() * e.value.length)) });
      } else if (kind === 2) {
        const headers: Record<string, string> = { constructor: `c${i}`, toString: `t${i}`, hasOwnProperty: `h${i}`, valueOf: 'v' };
        Object.defineProperty(headers, '__proto__', { value: `p${i}`, enumerable: true, configurable: true, writable: true });
        messages.push({ key: `poison-${i}`, value: bytes(50), headers });
      } else if (kind === 3) {
        const e = generator.next();
        streams.putGenerated(e.blob.source, e.blob.label, e.blob.size, e.blob.seed);
        messages.push({ key: e.key, value: e.value, headers: e.headers });
      } else {
        // Hostile stream references: path-like sha256, source and label; non-hex, unicode, empty.
        const hostile = ['../../../../etc/passwd', 'z'.repeat(64), 'é'.repeat(64), '', 'A'.repeat(64), `${'0'.repeat(62)}/x`, '%2e%2e%2f'.repeat(7)];
        const names = ['../../evil', 'a/b', '..', '.', 'con', '%2e%2e', 'x'.repeat(300)];
        const value = generator.type.fromBuffer(generator.next().value) as { source: { name: string }; entity: { datastreams: Array<{ label: string; sha256: string }> } };
        value.source.name = names[i % names.length]!;
        value.entity.datastreams = value.entity.datastreams.map((d) => ({ ...d, label: names[(i + 3) % names.length]!, sha256: hostile[i % hostile.length]! }));
        messages.push({ key: `hostile-${i}`, value: generator.type.toBuffer(value) });
      }
    }
    for (let i = 0; i < messages.length; i += 500) await producer.send({ topic: mainTopic, messages: messages.slice(i, i + 500) });
    // One per request: a produce request's records share a base timestamp, and kafkajs computes
    // the deltas in floating point (item 4), so extreme timestamps travel alone.
    const special: Message[] = [
      ...['-1', '0', String(2 ** 53 + 1), '1700000000000000000', '9007199254740993', '8640000000000001'].map((timestamp, i) => ({ key: `ts-${i}`, value: `timestamp ${timestamp}`, timestamp })),
      ...Array.from({ length: 4 }, (_, i) => ({ key: `big-${i}`, value: Buffer.alloc(NEAR_LIMIT, 97 + i) })),
      ...Array.from({ length: 3 }, (_, i) => ({ key: `headers-${i}`, value: 'many headers', headers: Object.fromEntries(Array.from({ length: 2_000 }, (_, h) => [`h-${h}`, `v-${i}-${h}`])) })),
    ];
    const refused: string[] = [];
    for (const m of special) {
      await producer.send({ topic: mainTopic, messages: [m] }).catch((error: unknown) => refused.push(`${String(m.key)}: ${String(error)}`));
    }
    for (const codec of CODECS) {
      await kcatProduce(sharedKafkaBrokers(), codecTopics[codec], codec, Array.from({ length: PER_CODEC }, (_, i) => `k-${codec}-${i}\tvalue ${i} compressed with ${codec} ${'z'.repeat(i)}`));
    }
    const topics = [mainTopic, ...Object.values(codecTopics)];
    // kafkajs reads only gzip without codec packages: the codec topics are read with kcat.
    const originals = [
      ...(await readTopicsOf(sharedKafkaBrokers(), [mainTopic, codecTopics.gzip])),
      ...(await Promise.all(CODECS.filter((c) => c !== 'gzip').map((c) => readTextTopicWithKcat(sharedKafkaBrokers(), codecTopics[c])))).flat(),
    ];
    process.stdout.write(`hostile-input originals=${originals.length}; refused by the broker: ${JSON.stringify(refused)}\n`);

    const target = await newBackupTarget('rel-hostile', {
      pairs: { 'hostile/input': mainTopic, ...Object.fromEntries(CODECS.map((c) => [`codec/${c}`, codecTopics[c]])) },
      extra: {
        STREAMVAULT_EVENT_SCHEMA: TESTDATA_SCHEMA,
        STREAMVAULT_EVENT_TYPE_MAP: '*=BinaryEvent',
        STREAMVAULT_STREAM_SOURCE_URL: streams.baseUrl,
        STREAMVAULT_BATCH_MAX_EVENTS: '500',
        STREAMVAULT_BATCH_MAX_BYTES: String(4 * 1024 * 1024),
      },
    });
    const client = s3ClientFor(sharedS3Endpoint());
    const daemon = withCleanup(spawnStreamvault(['backup'], target.env));
    const backupRss = new RssSampler(daemon.child.pid!);
    let found = await readBackupIndependently(client, target.bucket);
    await until('every original record backed up', async () => {
      found = await readBackupIndependently(client, target.bucket);
      return originals.every((r) => found.indexed.has(recordId(r))) ? true : undefined;
    }, 300_000, 2_000).catch(() => undefined);
    daemon.child.kill('SIGTERM');
    const backupExit = await daemon.exited;
    const backupMaxRss = backupRss.stop();
    found = await readBackupIndependently(client, target.bucket);

    const notBackedUp = originals.filter((r) => !found.indexed.has(recordId(r)));
    const changedInBackup = originals.filter((r) => {
      const copy = found.indexed.get(recordId(r));
      return copy !== undefined && backupContent(copy) !== topicRecordContent(r);
    });
    const badKeys = (await listKeys(client, target.bucket, '')).filter((k) => k.includes('..') || (k.startsWith('streams/') && !/^streams\/[0-9a-f]{2}\/[0-9a-f]{64}$/.test(k)));

    const restore = withCleanup(
      spawnStreamvault(['restore', '--json'], {
        ...target.env,
        STREAMVAULT_STATE_DIR: makeTempDir('restore-state-'),
        STREAMVAULT_RESTORE_TOPIC_TEMPLATE: '{topic}-restored',
        STREAMVAULT_RESTORE_STREAM_TARGET: 'none',
      }),
    );
    const restoreRss = new RssSampler(restore.child.pid!);
    const restoreExit = await Promise.race([restore.exited, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 300_000))]);
    if (restoreExit === -1) restore.child.kill('SIGKILL');
    const restoreMaxRss = restoreRss.stop();
    const restored = await readTopicsOf(sharedKafkaBrokers(), topics.map((t) => `${t}-restored`));
    const comparison = compareRestore(originals, restored);

    const duplicated = conflictingDuplicates(found).length + comparison.duplicated.length;
    const lost = notBackedUp.length + comparison.lost.length;
    process.stdout.write(
      `hostile-input rss backup=${backupMaxRss}MiB restore=${restoreMaxRss}MiB (bound ${RSS_BOUND_MIB}MiB) exits backup=${backupExit} restore=${restoreExit} ` +
        `changed in backup=${changedInBackup.length} changed in restore=${comparison.changed.length} bad keys=${badKeys.length} ` +
        `not backed up by topic=${JSON.stringify(Object.fromEntries(topics.map((t) => [t, notBackedUp.filter((r) => r.topic === t).length])))} ` +
        `sample changed=${JSON.stringify(comparison.changed.slice(0, 3))} ` +
        `sample changed in backup=${JSON.stringify(changedInBackup.slice(0, 2).map((r) => [topicRecordContent(r).slice(0, 400), backupContent(found.indexed.get(recordId(r))!).slice(0, 400)]))}` +
        `${restoreExit === 0 ? '' : ` restore errors=${JSON.stringify(restore.logs.filter((l) => l.level === "error" || l.level === "warn").slice(-4)).slice(0, 2500)}`}\n`,
    );
    printReliabilityLine('hostile-input', {
      runs: 2,
      produced: originals.length,
      backed_up: originals.length - notBackedUp.length,
      lost,
      duplicated,
      crashes: [backupExit, restoreExit].filter((c) => c !== 0).length,
    });
    expect(originals.length).toBeGreaterThanOrEqual(10_000);
    expect(notBackedUp.map(recordId)).toEqual([]);
    expect(changedInBackup.map(recordId)).toEqual([]);
    expect(badKeys).toEqual([]);
    expect(comparison.lost).toEqual([]);
    expect(comparison.duplicated).toEqual([]);
    expect(comparison.changed).toEqual([]);
    expect(duplicated).toBe(0);
    expect(backupExit).toBe(0);
    expect(restoreExit).toBe(0);
    expect(backupMaxRss).toBeLessThan(RSS_BOUND_MIB);
    expect(restoreMaxRss).toBeLessThan(RSS_BOUND_MIB);
  }, 900_000);
});
