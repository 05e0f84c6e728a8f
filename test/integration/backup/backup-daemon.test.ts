import { Kafka, logLevel, type Admin, type Message, type Producer } from 'kafkajs';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { createEventDecoder } from '../../../src/events/event-decoder.js';
import { loadSchemaRegistry } from '../../../src/events/schema-registry.js';
import { newBackupTarget, type BackupTarget } from '../../helpers/backup-target.js';
import { spawnTied } from '../../helpers/child-process.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { waitForReady } from '../../helpers/daemon-waits.js';
import { uniqueName } from '../../helpers/names.js';
import { readBackup, waitForBackup } from '../../helpers/read-backup.js';
import { sharedKafkaBrokers } from '../../helpers/shared-servers.js';
import { spawnStreamvault } from '../../helpers/streamvault-process.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { testProducer } from '../../helpers/test-producer.js';

const CORPUS = resolve(fileURLToPath(new URL('../../../', import.meta.url)), '../shared/azul-corpus');

let kafka: Kafka;
let producer: Producer;
let admin: Admin;

beforeAll(async () => {
  kafka = new Kafka({ brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING });
  producer = testProducer(kafka);
  admin = kafka.admin();
  await Promise.all([producer.connect(), admin.connect()]);
});

afterAll(async () => {
  await Promise.allSettled([producer?.disconnect(), admin?.disconnect()]);
});

type Setup = BackupTarget;

const setup = (pairs: Record<string, string>, extra: Record<string, string> = {}): Promise<Setup> =>
  newBackupTarget('backup', { pairs, extra });

/** Produces to explicit partitions; returns what each partition should hold, in order. */
async function produce(topic: string, messages: Array<Message & { partition: number }>): Promise<void> {
  await producer.send({ topic, messages });
}

async function committedEqualsEnd(groupId: string, topic: string): Promise<void> {
  const ends = await admin.fetchTopicOffsets(topic);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  for (const end of ends) {
    const c = committed?.partitions.find((p) => p.partition === end.partition);
    const expected = end.high === '0' ? '-1' : end.high;
    expect({ partition: end.partition, committed: c?.offset }).toEqual({ partition: end.partition, committed: expected });
  }
}

function headerValues(message: Message): Array<{ key: string; value: Buffer | null }> {
  const out: Array<{ key: string; value: Buffer | null }> = [];
  for (const [key, raw] of Object.entries(message.headers ?? {})) {
    for (const v of Array.isArray(raw) ? raw : [raw]) out.push({ key, value: v === undefined ? null : Buffer.from(v) });
  }
  return out;
}

describe('backup daemon (real broker, real S3)', () => {
  it('backs up every event of two pairs exactly, and commits offsets equal to the end offsets', async () => {
    const topicA = uniqueName('samples-sourced');
    const topicB = uniqueName('system-insert');
    const s = await setup({ 'samples/sourced': topicA, 'system/insert': topicB }, { STREAMVAULT_BATCH_MAX_EVENTS: '40' });
    const produced = new Map<string, Array<Message & { partition: number }>>();
    const base = Date.UTC(2026, 0, 2, 3, 4, 5);
    for (const topic of [topicA, topicB]) {
      const messages: Array<Message & { partition: number }> = [];
      for (let i = 0; i < 150; i++) {
        messages.push({
          partition: i % 4,
          key: i % 10 === 0 ? null : Buffer.from(`key-${i}`),
          value: i % 25 === 0 ? null : i % 31 === 0 ? Buffer.alloc(0) : Buffer.from(`value-${topic}-${i}-\u0000\u00ff`),
          timestamp: String(base + i * 1000),
          headers: i % 3 === 0 ? { trace: `t${i}`, empty: Buffer.alloc(0), multi: ['a', 'b'] } : {},
        });
      }
      await produce(topic, messages);
      produced.set(topic, messages);
    }

    const secret = 'kafka-sasl-secret-do-not-log';
    const daemon = withCleanup(
      spawnStreamvault(['backup'], { ...s.env, STREAMVAULT_S3_SECRET_ACCESS_KEY: 'S3RVER', STREAMVAULT_STREAM_SOURCE_TOKEN: secret }),
    );
    const contents = await waitForBackup(s.store, s.layout, 300);
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    // No credential reaches a log line (the S3 secret here equals the test server's access key id,
    // which streamvault never logs either).
    const logText = `${JSON.stringify(daemon.logs)}${daemon.stderrText()}`;
    expect(logText).not.toContain(secret);
    expect(logText).not.toContain('S3RVER');

    for (const [topic, messages] of produced) {
      for (let partition = 0; partition < 4; partition++) {
        const want = messages.filter((m) => m.partition === partition);
        const got = [...contents.records.values()]
          .filter((r) => r.topic === topic && r.partition === partition)
          .sort((a, b) => Number(a.offset) - Number(b.offset));
        expect(got.map((r) => r.offset)).toEqual(want.map((_, i) => String(i)));
        got.forEach((record, i) => {
          const m = want[i]!;
          expect(record.key).toEqual(m.key === null ? null : Buffer.from(m.key as Buffer));
          expect(record.value).toEqual(m.value === null ? null : Buffer.from(m.value as Buffer));
          expect(record.timestamp).toBe(BigInt(m.timestamp!));
          expect(record.headers).toEqual(headerValues(m));
        });
      }
      await committedEqualsEnd(s.group, topic);
    }
    // Manifests describe the objects: counts add up and keys carry pair, partition, offset, day.
    const total = contents.manifests.reduce((n, m) => n + m.count, 0);
    expect(total).toBe(300);
    for (const m of contents.manifests) {
      expect(m.key).toMatch(/^events\/(samples\/sourced|system\/insert)\/p00000\d\/\d{20}-2026-01-02\.avro$/);
      expect(contents.objectKeys).toContain(m.key);
    }
  });

  it('flushes a partition by count, and by age when it goes idle', async () => {
    const topic = uniqueName('count-age');
    const s = await setup(
      { 'samples/sourced': topic },
      { STREAMVAULT_BATCH_MAX_EVENTS: '10', STREAMVAULT_BATCH_MAX_AGE_SECONDS: '3' },
    );
    const daemon = withCleanup(spawnStreamvault(['backup'], s.env));
    await waitForReady(daemon);
    await produce(
      topic,
      Array.from({ length: 25 }, (_, i) => ({ partition: 0, value: Buffer.from(`e${i}`) })),
    );
    await waitForBackup(s.store, s.layout, 25);
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    const { manifests } = await readBackup(s.store, s.layout);
    expect(manifests.map((m) => [m.firstOffset, m.lastOffset, m.count])).toEqual([
      ['0', '9', 10],
      ['10', '19', 10],
      ['20', '24', 5],
    ]);
    const reasons = daemon.logs.filter((l) => l.msg === 'batch durable and committed').map((l) => l.reason);
    expect(reasons).toEqual(['full', 'full', 'age']);
  });

  it('backs up an event that does not decode byte for byte, counts it and keeps going', async () => {
    const dir = makeTempDir('schema-');
    writeFileSync(
      join(dir, 'event.avsc'),
      JSON.stringify({ type: 'record', name: 'SimpleEvent', fields: [{ name: 'id', type: 'long' }, { name: 'name', type: 'string' }] }),
    );
    const registry = await loadSchemaRegistry(dir);
    const type = registry.type('SimpleEvent')!;
    const topic = uniqueName('malformed');
    const s = await setup(
      { 'samples/sourced': topic },
      { STREAMVAULT_EVENT_SCHEMA: dir, STREAMVAULT_EVENT_TYPE_MAP: '*=SimpleEvent' },
    );
    const garbage = Buffer.from([0xff, 0x00, 0x13, 0x37, 0xde, 0xad, 0xbe, 0xef]);
    const good = (id: number) => type.toBuffer({ id, name: `n${id}` });
    await produce(topic, [
      { partition: 2, value: good(1) },
      { partition: 2, value: garbage },
      { partition: 2, value: good(3) },
    ]);
    const daemon = withCleanup(spawnStreamvault(['backup'], s.env));
    const contents = await waitForBackup(s.store, s.layout, 3);
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    const records = [...contents.records.values()].sort((a, b) => Number(a.offset) - Number(b.offset));
    expect(records.map((r) => r.value)).toEqual([good(1), garbage, good(3)]);
    expect(contents.manifests[0]).toMatchObject({ malformed: 1, malformedOffsets: ['1'], count: 3 });
    const warnings = daemon.logs.filter((l) => l.msg.startsWith('event does not decode'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ partition: 2, offset: '1', topic });
    // the decoder really accepts the good ones: the count is not a default
    const decoder = createEventDecoder(registry, ['SimpleEvent']);
    expect(decoder.decode(good(1)).kind).toBe('decoded');
  });

  it('loses nothing when killed with SIGKILL between an object write and its commit', async () => {
    const topic = uniqueName('crash');
    // A short session lets the restarted member take over quickly from the killed one.
    const s = await setup(
      { 'samples/sourced': topic },
      { STREAMVAULT_BATCH_MAX_EVENTS: '20', STREAMVAULT_KAFKA_SESSION_TIMEOUT_MS: '6000' },
    );
    await produce(
      topic,
      Array.from({ length: 200 }, (_, i) => ({ partition: i % 4, key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) })),
    );
    const crashing = spawnTied(process.execPath, [fileURLToPath(new URL('../../helpers/crash-after-manifest.mjs', import.meta.url)), '3'], {
      env: { PATH: process.env.PATH ?? '', ...s.env },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    const signal = await new Promise<string | null>((r) => crashing.once('exit', (_code, sig) => r(sig)));
    expect(signal).toBe('SIGKILL');
    // The crash left batches in S3 whose offsets were never committed.
    const [before] = await admin.fetchOffsets({ groupId: s.group, topics: [topic] });
    const committedBefore = (before?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    const afterCrash = await readBackup(s.store, s.layout);
    expect(afterCrash.records.size).toBeGreaterThan(committedBefore);

    const daemon = withCleanup(spawnStreamvault(['backup'], s.env));
    const contents = await waitForBackup(s.store, s.layout, 200);
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    for (let partition = 0; partition < 4; partition++) {
      const offsets = [...contents.records.values()]
        .filter((r) => r.partition === partition)
        .map((r) => Number(r.offset))
        .sort((a, b) => a - b);
      expect(offsets).toEqual(Array.from({ length: 50 }, (_, i) => i));
    }
    // Replays rewrote the same keys: no object starts at an offset that another object covers twice.
    const firsts = contents.manifests.map((m) => `${m.partition}/${m.firstOffset}`);
    expect(new Set(firsts).size).toBe(firsts.length);
    await committedEqualsEnd(s.group, topic);
  });

  describe.skipIf(!existsSync(CORPUS))('with the real platform corpus', () => {
    it('decodes every corpus event with its schemas, including bulk and delete, and keeps the bytes', async () => {
      const topics = { binary: uniqueName('corpus-binary'), insert: uniqueName('corpus-insert'), delete: uniqueName('corpus-delete') };
      const s = await setup(
        { 'corpus/sourced': topics.binary, 'corpus/insert': topics.insert, 'corpus/delete': topics.delete },
        { STREAMVAULT_EVENT_SCHEMA: join(CORPUS, 'schemas/v6') },
      );
      const sent = new Map<string, Buffer[]>();
      for (const [kind, topic] of Object.entries(topics)) {
        const dir = join(CORPUS, 'events', kind);
        const values = readdirSync(dir)
          .filter((f) => f.endsWith('.avro'))
          .sort()
          .map((f) => readFileSync(join(dir, f)));
        sent.set(topic, values);
        await produce(topic, values.map((value) => ({ partition: 0, value })));
      }
      const expected = [...sent.values()].reduce((n, v) => n + v.length, 0);
      const daemon = withCleanup(spawnStreamvault(['backup'], s.env));
      const contents = await waitForBackup(s.store, s.layout, expected);
      daemon.child.kill('SIGTERM');
      expect(await daemon.exited).toBe(0);
      expect(contents.manifests.map((m) => m.malformed)).toEqual(contents.manifests.map(() => 0));
      for (const [topic, values] of sent) {
        const got = [...contents.records.values()]
          .filter((r) => r.topic === topic)
          .sort((a, b) => Number(a.offset) - Number(b.offset))
          .map((r) => r.value);
        expect(got).toEqual(values);
      }
      // Binary events reference their datastreams; the manifest records them.
      const binaryStreams = contents.manifests.filter((m) => m.topic === topics.binary).flatMap((m) => m.streams);
      const expectedShas = new Set<string>();
      for (const f of readdirSync(join(CORPUS, 'events/binary')).filter((n) => n.endsWith('.json') && existsSync(join(CORPUS, 'events/binary', `${n}.avro`)))) {
        const json = JSON.parse(readFileSync(join(CORPUS, 'events/binary', f), 'utf8')) as {
          events?: Array<{ entity?: { datastreams?: Array<{ sha256: string }> } }>;
          entity?: { datastreams?: Array<{ sha256: string }> };
        };
        for (const e of json.events ?? [json]) for (const d of e.entity?.datastreams ?? []) expectedShas.add(d.sha256.toLowerCase());
      }
      expect(new Set(binaryStreams.map((r) => r.sha256))).toEqual(expectedShas);
    });
  });
});
