// The daemon as an orchestrator sees it (`node dist/src/cli.js backup`, built by `npm test`),
// with the real Kafka-protocol broker, s3rver and the HTTP stream server: exit code 5 after
// consecutive failures, SIGKILL during uploads, the shutdown order, and the real corpus.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractStreamReferences } from '../../../src/events/stream-references.js';
import { DEFAULT_REFERENCE_LAYOUT, parseReferenceLayout } from '../../../src/config/reference-layout.js';
import { openStreamFileCache } from '../../../src/filecache/stream-file-cache.js';
import type { KeyLayout } from '../../../src/storage/key-layout.js';
import type { S3ObjectStore } from '../../../src/storage/s3-object-store.js';
import { newBackupTarget } from '../../helpers/backup-target.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { waitForCommitted, waitForReady } from '../../helpers/daemon-waits.js';
import { uniqueName } from '../../helpers/names.js';
import { waitForBackup } from '../../helpers/read-backup.js';
import { sharedKafkaBrokers } from '../../helpers/shared-servers.js';
import { startStreamServer, type StreamServer } from '../../helpers/stream-server.js';
import { spawnStreamvault, type LogLine } from '../../helpers/streamvault-process.js';
import { refEvent, refEventSettings } from '../../helpers/ref-event.js';
import { until } from '../../helpers/until.js';
import { testProducer } from '../../helpers/test-producer.js';

const CORPUS = resolve(fileURLToPath(new URL('../../../', import.meta.url)), '../shared/azul-corpus');


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

interface Setup {
  topic: string;
  group: string;
  env: Record<string, string>;
  stateDir: string;
  store: S3ObjectStore;
  layout: KeyLayout;
  server: StreamServer;
}

async function setup(extra: Record<string, string> = {}, pairs?: Record<string, string>): Promise<Setup> {
  const server = withCleanup(await startStreamServer());
  const topic = uniqueName('refs');
  const target = await newBackupTarget('streams-cli', {
    pairs: pairs ?? { 'samples/sourced': topic },
    extra: {
      ...refEventSettings(),
      STREAMVAULT_STREAM_SOURCE_URL: server.baseUrl,
      STREAMVAULT_STREAM_RETRY_MIN_DELAY_SECONDS: '0.05',
      ...extra,
    },
  });
  return { topic, group: target.group, env: target.env, stateDir: target.stateDir, store: target.store, layout: target.layout, server };
}

/** sha256 -> hash of the object stored under that sha's key (streamed). */
async function storedStreams(s: Setup): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const object of s.store.list(s.layout.streamsPrefix())) {
    const hash = createHash('sha256');
    for await (const chunk of await s.store.getStream(object.key)) hash.update(chunk as Buffer);
    out.set(object.key.slice(object.key.lastIndexOf('/') + 1), hash.digest('hex'));
  }
  return out;
}

async function journals(stateDir: string) {
  const opened = await openStreamFileCache(stateDir, { readonly: true });
  if (opened.kind !== 'open') throw new Error(`expected readable journals, got ${opened.kind}`);
  return { pending: opened.cache.pending.values(), failed: opened.cache.failed.values() };
}

const indexOf = (logs: LogLine[], predicate: (l: LogLine) => boolean) => logs.findIndex(predicate);
const lastIndexOf = (logs: LogLine[], predicate: (l: LogLine) => boolean) => logs.findLastIndex(predicate);
const phase = (n: number) => (l: LogLine) => l.msg.startsWith(`shutdown phase ${n}/3`);

function blobs(s: Setup, count: number, size: number): string[] {
  return Array.from({ length: count }, (_, i) => s.server.put('samples', 'content', Buffer.alloc(size, `blob ${i} of ${s.topic}`)));
}

async function produceRefs(topic: string, shas: readonly string[]): Promise<void> {
  // One key: one partition, so the batch (and the commit) is one unit the test can wait for.
  await producer.send({ topic, messages: shas.map((sha) => ({ key: 'k', value: refEvent('samples', [{ label: 'content', sha256: sha }]) })) });
}

describe('backup daemon with streams', () => {
  it('keeps running through permanent stream failures (no exit 5): /readyz names the source, every reference journaled, SIGTERM exits 0', async () => {
    const s = await setup({
      STREAMVAULT_STREAM_RETRIES: '1',
      STREAMVAULT_STREAM_MAX_CONSECUTIVE_FAILURES: '3',
      STREAMVAULT_STREAM_CONCURRENCY: '1',
    });
    const shas = blobs(s, 10, 100);
    s.server.failNext('/api/v3/stream/', 100_000, 500);
    await produceRefs(s.topic, shas);
    const daemon = withCleanup(spawnStreamvault(['backup'], s.env));
    const { port } = await daemon.waitForLog((l) => l.msg.startsWith('metrics and health listening'), 60_000);

    // Every reference fails at the source, and lands in the failed list with its next retry.
    const failed = await until('every stream in the failed list', async () => {
      const { failed } = await journals(s.stateDir);
      return failed.length === shas.length ? failed : undefined;
    }, 60_000);
    expect(new Set(failed.map((f) => f.sha256))).toEqual(new Set(shas));
    expect(failed.every((f) => f.kind === 'failed' && f.attempts === 1 && typeof f.nextAt === 'string')).toBe(true);
    const readyz = await fetch(`http://127.0.0.1:${String(port)}/readyz`);
    expect(readyz.status).toBe(503);
    expect(((await readyz.json()) as { reasons: string[] }).reasons).toEqual([expect.stringContaining('stream-source: ')]);

    // Every stream a committed batch references is durable: here, in the failed list.
    const contents = await waitForBackup(s.store, s.layout, shas.length);
    const referenced = new Set(contents.manifests.flatMap((m) => m.streams.map((r) => r.sha256)));
    expect(referenced).toEqual(new Set(shas));
    expect((await storedStreams(s)).size).toBe(0);

    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  });

  it('loses no stream when SIGKILLed during uploads: after a restart every referenced stream is stored with its hash', async () => {
    // A short session: the killed member's partitions go to the restarted one sooner.
    const s = await setup({ STREAMVAULT_STREAM_CONCURRENCY: '2', STREAMVAULT_KAFKA_SESSION_TIMEOUT_MS: '6000' });
    s.server.setLatency(300);
    const shas = blobs(s, 30, 64 * 1024);
    await produceRefs(s.topic, shas);
    const first = withCleanup(spawnStreamvault(['backup'], s.env));
    // The events are committed (so the restart does not read them again) and uploads are under way.
    await waitForCommitted(admin, s.group, s.topic);
    await until('a first stream stored', async () => ((await storedStreams(s)).size > 0 ? true : undefined), 30_000, 100);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe(137);
    const before = await storedStreams(s);
    expect(before.size).toBeLessThan(30);
    expect((await journals(s.stateDir)).pending.length).toBeGreaterThan(0);

    s.server.setLatency(0);
    const second = withCleanup(spawnStreamvault(['backup'], s.env));
    const stored = await until('all 30 streams stored', async () => {
      const now = await storedStreams(s);
      return now.size === 30 ? now : undefined;
    });
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect([...stored.keys()].sort()).toEqual([...shas].sort());
    for (const [key, hash] of stored) expect(hash).toBe(key);
    const { pending, failed } = await journals(s.stateDir);
    expect(pending).toEqual([]);
    expect(failed).toEqual([]);
  });

  it('shuts down in order: events flushed and committed, then the hit cache, then the pool finishes its uploads', async () => {
    const s = await setup({ STREAMVAULT_STREAM_CONCURRENCY: '2', STREAMVAULT_BATCH_MAX_AGE_SECONDS: '0.5' });
    s.server.setLatency(400);
    const shas = blobs(s, 8, 1000);
    await produceRefs(s.topic, shas);
    const daemon = withCleanup(spawnStreamvault(['backup'], s.env));
    await waitForCommitted(admin, s.group, s.topic);
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);

    const logs = daemon.logs;
    const [p1, p2, p3] = [indexOf(logs, phase(1)), indexOf(logs, phase(2)), indexOf(logs, phase(3))];
    const complete = indexOf(logs, (l) => l.msg === 'shutdown complete');
    expect(p1).toBeGreaterThanOrEqual(0);
    expect(p2).toBeGreaterThan(p1);
    expect(p3).toBeGreaterThan(p2);
    expect(complete).toBeGreaterThan(p3);
    expect(lastIndexOf(logs, (l) => l.msg === 'batch durable and committed')).toBeLessThan(p2);
    expect(lastIndexOf(logs, (l) => l.msg === 'stream stored')).toBeGreaterThan(p2);
    const drained = logs.find((l) => l.msg === 'stream pool drained');
    expect(drained).toMatchObject({ completed: true, unfinished: 0 });
    const stored = await storedStreams(s);
    expect([...stored.keys()].sort()).toEqual([...shas].sort());
    for (const [key, hash] of stored) expect(hash).toBe(key);
  });

  it('exits at once with 130 on a second signal during the pool drain, leaving the journal intact for the next start', async () => {
    const s = await setup({ STREAMVAULT_STREAM_CONCURRENCY: '1', STREAMVAULT_SHUTDOWN_GRACE_SECONDS: '60' });
    s.server.setLatency(2000);
    const shas = blobs(s, 6, 1000);
    await produceRefs(s.topic, shas);
    const daemon = withCleanup(spawnStreamvault(['backup'], s.env));
    await waitForCommitted(admin, s.group, s.topic);
    daemon.child.kill('SIGTERM');
    await daemon.waitForLog(phase(3));
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(130);
    expect(daemon.logs.some((l) => l.msg === 'shutdown complete')).toBe(false);
    // What the pool had not finished is still pending: a restart stores it.
    const { pending } = await journals(s.stateDir);
    expect(pending.length).toBeGreaterThan(0);
    s.server.setLatency(0);
    const again = withCleanup(spawnStreamvault(['backup'], s.env));
    const stored = await until('all 6 streams stored', async () => {
      const now = await storedStreams(s);
      return now.size === 6 ? now : undefined;
    });
    // The first process left the consumer group without a LeaveGroup, so the broker keeps its
    // member until the session times out (30 s); a SIGTERM during that rejoin waits for it.
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
    expect([...stored.keys()].sort()).toEqual([...shas].sort());
  }, 120_000);

  it('refuses to start when another process holds the state directory', async () => {
    const s = await setup();
    const first = withCleanup(spawnStreamvault(['backup'], s.env));
    await waitForReady(first);
    const second = withCleanup(spawnStreamvault(['backup'], s.env));
    expect(await second.exited).toBe(6);
    expect(second.stderrText()).toContain(`in use by process ${first.child.pid}`);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });
});

const layout = (() => {
  const parsed = parseReferenceLayout(DEFAULT_REFERENCE_LAYOUT);
  if (parsed.kind !== 'parsed') throw new Error('expected the default layout to parse');
  return parsed.layout;
})();

describe.skipIf(!existsSync(join(CORPUS, 'events')))('with the real platform corpus (../shared/azul-corpus)', () => {
  it('asks the source for exactly the references of the JSON twins of the binary, bulk and insert events', async () => {
    const topics = { binary: uniqueName('corpus-binary'), insert: uniqueName('corpus-insert'), delete: uniqueName('corpus-delete') };
    const s = await setup(
      {
        STREAMVAULT_EVENT_SCHEMA: join(CORPUS, 'schemas/v6'),
        STREAMVAULT_EVENT_TYPE_MAP: 'insert=InsertEvent|BulkInsertEvent,delete=DeleteEvent|BulkDeleteEvent,*=BinaryEvent|BulkBinaryEvent',
      },
      { 'corpus/sourced': topics.binary, 'corpus/insert': topics.insert, 'corpus/delete': topics.delete },
    );
    const expected = new Map<string, string>(); // source/label/sha256 -> sha256
    let produced = 0;
    for (const [kind, topic] of Object.entries(topics)) {
      const dir = join(CORPUS, 'events', kind);
      const files = readdirSync(dir).filter((f) => f.endsWith('.json.avro')).sort();
      for (const file of files) {
        const json = JSON.parse(readFileSync(join(dir, file.slice(0, -'.avro'.length)), 'utf8')) as unknown;
        for (const r of extractStreamReferences(json, layout).references) expected.set(`${r.source}/${r.label}/${r.sha256}`, r.sha256);
      }
      await producer.send({ topic, messages: files.map((f) => ({ key: 'k', value: readFileSync(join(dir, f)) })) });
      produced += files.length;
    }
    expect(expected.size).toBeGreaterThan(0);
    // The source has none of these blobs (their content is not in the corpus): each is a 404,
    // which shows exactly what the daemon asked for, and lands in the failed list as missing.
    const daemon = withCleanup(spawnStreamvault(['backup'], s.env));
    const contents = await waitForBackup(s.store, s.layout, produced);
    const expectedShas = new Set(expected.values());
    await until('every referenced stream tried', async () => {
      const { failed } = await journals(s.stateDir);
      return failed.length >= expectedShas.size ? true : undefined;
    });
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);

    const inManifests = new Set(contents.manifests.flatMap((m) => m.streams.map((r) => `${r.source}/${r.label}/${r.sha256}`)));
    expect(inManifests).toEqual(new Set(expected.keys()));
    const { failed } = await journals(s.stateDir);
    expect(new Set(failed.map((f) => f.sha256))).toEqual(expectedShas);
    for (const f of failed) {
      expect(f.kind).toBe('missing');
      expect(expected.has(`${f.source}/${f.label}/${f.sha256}`)).toBe(true);
    }
    const asked = s.server.requests.filter((r) => r.method === 'GET').map((r) => decodeURIComponent(r.path.replace('/api/v3/stream/', '')));
    expect(new Set(asked)).toEqual(new Set(failed.map((f) => `${f.source}/${f.label}/${f.sha256}`)));
    expect((await storedStreams(s)).size).toBe(0);
  });
});

