// What an operator reads in the daemon's log (issue 16, items 2 and 6): a topic of undecodable
// events costs a bounded number of lines (the first few with details, then periodic summaries
// with counts), and the shutdown ends with one `run summary` line per pair whose counts match what
// the bucket holds. The built CLI, the shared broker, s3rver and the HTTP stream server.
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStreamFileCache } from '../../../src/filecache/stream-file-cache.js';
import { newBackupTarget, type BackupTarget } from '../../helpers/backup-target.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { uniqueName } from '../../helpers/names.js';
import { readBackup, waitForBackup } from '../../helpers/read-backup.js';
import { sharedKafkaBrokers } from '../../helpers/shared-servers.js';
import { startStreamServer } from '../../helpers/stream-server.js';
import { spawnStreamvault, type LogLine } from '../../helpers/streamvault-process.js';
import { testProducer } from '../../helpers/test-producer.js';
import { refEvent, refEventSettings } from '../../helpers/ref-event.js';
import { until } from '../../helpers/until.js';

const refEventOf = (sha256: string) => refEvent('samples', [{ label: 'content', sha256 }]);

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

async function schemaTarget(pairs: Record<string, string>, extra: Record<string, string> = {}): Promise<BackupTarget> {
  return newBackupTarget('run-summary', {
    pairs,
    extra: { ...refEventSettings(), ...extra },
  });
}

/** Each partition's end offset (the next offset to read) of the partitions that hold records. */
async function endOffsets(topic: string): Promise<Record<string, string>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return Object.fromEntries(offsets.filter((o) => o.high !== '0').sort((a, b) => a.partition - b.partition).map((o) => [String(o.partition), o.high]));
}

const summaryOf = (logs: LogLine[], pair: string) => logs.filter((l) => l.msg === 'run summary' && l.pair === pair);

describe('daemon log: malformed events and the run summary', () => {
  it('logs a few undecodable events in detail and the rest as periodic counts; the run summary matches the bucket', { timeout: 90_000 }, async () => {
    const topic = uniqueName('bad-events');
    const s = await schemaTarget({ 'samples/sourced': topic }, { STREAMVAULT_PROGRESS_LOG_SECONDS: '0.5', STREAMVAULT_BATCH_MAX_EVENTS: '100' });
    // 500 values that no RefEvent decodes (a string length of 63 with 5 bytes left), 20 that do.
    const bad = Array.from({ length: 500 }, (_, i) => ({ partition: i % 4, value: Buffer.from([0x7e, 0xff, 0xff, 0x0f, i % 256, 0x01]) }));
    const good = Array.from({ length: 20 }, (_, i) => ({ partition: i % 4, value: refEvent('samples', []) }));
    await producer.send({ topic, messages: [...bad, ...good] });

    const daemon = withCleanup(spawnStreamvault(['backup'], s.env));
    await waitForBackup(s.store, s.layout, 520);
    // At least one periodic summary came while running (the progress interval is 0.5 s).
    await daemon.waitForLog((l) => l.msg.startsWith('malformed events since the last summary'));
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);

    const contents = await readBackup(s.store, s.layout);
    expect(contents.records.size).toBe(520);
    const malformedInBucket = contents.manifests.reduce((n, m) => n + m.malformed, 0);
    expect(malformedInBucket).toBe(500);
    const badValues = [...contents.records.values()].filter((r) => r.value!.length === 6);
    expect(badValues).toHaveLength(500);

    const detailed = daemon.logs.filter((l) => l.msg.startsWith('event does not decode with the schema'));
    const summaries = daemon.logs.filter((l) => l.msg.startsWith('malformed events since the last summary'));
    expect(detailed).toHaveLength(5);
    for (const line of detailed) {
      expect(line).toMatchObject({ level: 'warn', topic, pair: 'samples/sourced', code: 'EVENT_NOT_DECODABLE' });
      expect(typeof line.partition).toBe('number');
      expect(typeof line.offset).toBe('string');
      expect(line.reason).toEqual(expect.stringContaining('RefEvent'));
    }
    // Bounded: far fewer lines than events, and together they account for every one of them.
    expect(summaries.length).toBeGreaterThanOrEqual(1);
    expect(summaries.length).toBeLessThan(50);
    expect(detailed.length + summaries.reduce((n, l) => n + (l.malformed as number), 0)).toBe(500);
    expect(summaries.at(-1)).toMatchObject({ malformedSinceStart: 500 });
    for (const line of summaries) {
      expect(line.byCode).toEqual({ EVENT_NOT_DECODABLE: line.malformed });
      expect((line.examples as unknown[]).length).toBeGreaterThan(0);
      expect((line.examples as unknown[]).length).toBeLessThanOrEqual(3);
    }

    const [summary, ...more] = summaryOf(daemon.logs, 'samples/sourced');
    expect(more).toEqual([]);
    expect(summary).toMatchObject({
      level: 'info',
      topic,
      eventsBackedUp: 520,
      malformed: 500,
      batches: contents.manifests.length,
      bytes: contents.manifests.reduce((n, m) => n + m.bytes, 0),
      streams: null,
    });
    const recovery = summary!.recoveryPoint as { committedOffsets: Record<string, string>; lastDurableBatchAt: string };
    expect(recovery.committedOffsets).toEqual(await endOffsets(topic));
    const lastWritten = contents.manifests.map((m) => Date.parse(m.writtenAt)).reduce((a, b) => Math.max(a, b));
    expect(Date.parse(recovery.lastDurableBatchAt)).toBeGreaterThanOrEqual(lastWritten);
    // The summary comes last, right before the exit.
    const last = daemon.logs.map((l) => l.msg).slice(-2);
    expect(last).toEqual(['run summary', 'shutdown complete']);
  });

  it('counts each pair\'s streams by outcome (stored, already stored, missing, failed) as the bucket and the journal hold them', { timeout: 90_000 }, async () => {
    const server = withCleanup(await startStreamServer());
    const [topicA, topicB] = [uniqueName('refs-a'), uniqueName('refs-b')];
    const s = await schemaTarget(
      { 'samples/sourced': topicA, 'other/insert': topicB },
      { STREAMVAULT_STREAM_SOURCE_URL: server.baseUrl, STREAMVAULT_STREAM_RETRIES: '1', STREAMVAULT_STREAM_RETRY_MIN_DELAY_SECONDS: '0.05' },
    );
    const blob = (name: string) => server.put('samples', 'content', Buffer.from(`${name} of ${topicA}`));
    const [a1, a2, b1] = [blob('a1'), blob('a2'), blob('b1')];
    // Already in the bucket before the run (content-addressed: the HEAD finds it).
    const d1 = blob('d1');
    await s.store.put(s.layout.streamKey(d1), Buffer.from(`d1 of ${topicA}`), { metadata: { sha256: d1 } });
    const missing = 'ab'.repeat(32); // the source never had it: 404
    const failing = blob('f1');
    server.failNext((r) => r.path.endsWith(failing), 1000, 500);
    await producer.send({ topic: topicA, messages: [a1, a2, d1, missing].map((sha) => ({ key: 'k', value: refEventOf(sha) })) });
    await producer.send({ topic: topicB, messages: [b1, failing].map((sha) => ({ key: 'k', value: refEventOf(sha) })) });

    const daemon = withCleanup(spawnStreamvault(['backup'], s.env));
    await waitForBackup(s.store, s.layout, 6);
    const failedList = await until('the missing and the failing stream in the failed list', async () => {
      const opened = await openStreamFileCache(s.stateDir, { readonly: true });
      if (opened.kind !== 'open') return undefined;
      const failed = opened.cache.failed.values();
      return failed.length === 2 ? failed : undefined;
    });
    const stored = await until('four streams in the bucket', async () => {
      const keys: string[] = [];
      for await (const o of s.store.list(s.layout.streamsPrefix())) keys.push(o.key.slice(o.key.lastIndexOf('/') + 1));
      return keys.length === 4 ? keys : undefined;
    });
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);

    expect(new Set(stored)).toEqual(new Set([a1, a2, b1, d1]));
    expect(Object.fromEntries(failedList.map((f) => [f.sha256, f.kind]))).toEqual({ [missing]: 'missing', [failing]: 'failed' });
    const [a] = summaryOf(daemon.logs, 'samples/sourced');
    const [b] = summaryOf(daemon.logs, 'other/insert');
    expect(a).toMatchObject({ eventsBackedUp: 4, malformed: 0, streams: { stored: 2, deduped: 1, missing: 1, failed: 0 } });
    expect(b).toMatchObject({ eventsBackedUp: 2, malformed: 0, streams: { stored: 1, deduped: 0, missing: 0, failed: 1 } });
    expect((a!.recoveryPoint as { committedOffsets: unknown }).committedOffsets).toEqual(await endOffsets(topicA));
    expect((b!.recoveryPoint as { committedOffsets: unknown }).committedOffsets).toEqual(await endOffsets(topicB));
  });
});
