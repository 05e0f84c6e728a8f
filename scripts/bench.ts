/**
 * `npm run bench`: throughput and memory figures on this machine, printed as a table (and as one
 * JSON line with --json). Speed and memory targets live here, not in timed tests: shared CI
 * machines are too noisy for assertions on seconds.
 *
 *   1. Avro container encode/decode (CPU only).
 *   2. Backup: events from a Kafka-protocol broker (librdkafka mock cluster via kcat) into S3
 *      (s3rver), through the real daemon in this process; kcat reading the same topic is the
 *      C-client baseline.
 *   3. Stream copy: one large blob from the HTTP stream source into S3 through StreamCopier,
 *      with the growth of this process's RSS while it runs (measured first, on a small heap).
 *   4. Restore: the backed-up events into a fresh broker through the CLI.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { createBackupDaemon } from '../src/backup/create-backup-daemon.js';
import { manifestOnlyPipeline } from '../src/backup/stream-pipeline.js';
import { loadConfig } from '../src/config/load-config.js';
import { decodeContainer, encodeContainer } from '../src/events/avro-container.js';
import type { BackupRecord } from '../src/events/backup-record.js';
import { createLogger } from '../src/observability/logger.js';
import { KeyLayout } from '../src/storage/key-layout.js';
import { S3ObjectStore } from '../src/storage/s3-object-store.js';
import { HttpStreamSource } from '../src/streams/http-stream-source.js';
import { S3StreamSource } from '../src/streams/s3-stream-source.js';
import { StreamCopier } from '../src/streams/stream-copier.js';
import { generatedSha256, generatedStream } from './local/generated-bytes.js';
import { startKafkaBroker, type KafkaBroker } from './local/kafka-broker.js';
import { projectRoot } from './local/project-root.js';
import { createBucket, s3ClientFor, startS3Server, type S3Server } from './local/s3-server.js';
import { startStreamServer } from './local/stream-server.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 16_000);
const EVENT_BYTES = 1024;
const BLOB_BYTES = Number(process.env.BENCH_BLOB_BYTES ?? 1024 ** 3);
const json = process.argv.includes('--json');
const CLI = join(projectRoot(fileURLToPath(import.meta.url)), 'dist/src/cli.js');

interface Figure {
  name: string;
  value: number;
  unit: string;
}
const figures: Figure[] = [];
const report = (name: string, value: number, unit: string) => {
  figures.push({ name, value: Math.round(value * 100) / 100, unit });
  if (!json) process.stderr.write(`  ${name.padEnd(44)} ${String(Math.round(value * 100) / 100).padStart(12)} ${unit}\n`);
};
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
const quiet = createLogger('silent');

function records(count: number): BackupRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    topic: 'bench',
    partition: 0,
    offset: String(i),
    timestamp: 1_700_000_000_000n + BigInt(i),
    key: Buffer.from(`key-${i}`),
    // Half random, half repetitive: compresses like real JSON-ish event payloads, not like noise.
    value: Buffer.concat([Buffer.from(Array.from({ length: EVENT_BYTES / 2 }, () => Math.floor(Math.random() * 256))), Buffer.alloc(EVENT_BYTES / 2, 'a')]),
    headers: [{ key: 'trace', value: Buffer.from(`t${i}`) }],
  }));
}

/** The one pair the benchmark backs up, against the local servers. */
function benchEnv(broker: KafkaBroker, s3: S3Server, bucket: string, stateDir: string): Record<string, string> {
  return {
    STREAMVAULT_KAFKA_BROKERS: broker.brokers.join(','),
    STREAMVAULT_S3_BUCKET: bucket,
    STREAMVAULT_S3_ENDPOINT: s3.endpoint,
    STREAMVAULT_S3_FORCE_PATH_STYLE: 'true',
    STREAMVAULT_S3_ACCESS_KEY_ID: 'S3RVER',
    STREAMVAULT_S3_SECRET_ACCESS_KEY: 'S3RVER',
    STREAMVAULT_SOURCES: '',
    STREAMVAULT_EVENT_TYPES: '',
    STREAMVAULT_EXTRA_PAIRS: 'bench/events',
    STREAMVAULT_STATE_DIR: stateDir,
  };
}

async function benchAvro(): Promise<void> {
  const batch = records(1000);
  for (const codec of ['null', 'deflate'] as const) {
    const rounds = 20;
    let bytes = 0;
    let encoded: Buffer = Buffer.alloc(0);
    const start = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) {
      encoded = await encodeContainer(batch, { codec, seed: `k${i}` });
      bytes += encoded.length;
    }
    const encodeSeconds = seconds(start);
    const decodeStart = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) await decodeContainer(encoded);
    const decodeSeconds = seconds(decodeStart);
    report(`avro ${codec}: encode`, (rounds * batch.length) / encodeSeconds, 'events/s');
    report(`avro ${codec}: decode`, (rounds * batch.length) / decodeSeconds, 'events/s');
    report(`avro ${codec}: object size per 1000 x 1 KiB`, bytes / rounds / 1024, 'KiB');
  }
}

async function produce(broker: KafkaBroker, topic: string): Promise<void> {
  const kafka = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const all = records(EVENTS);
  for (let i = 0; i < all.length; i += 2000) {
    await producer.send({
      topic,
      messages: all.slice(i, i + 2000).map((r, j) => ({ partition: (i + j) % 4, key: r.key, value: r.value })),
    });
  }
  await producer.disconnect();
}

async function kcatBaseline(broker: KafkaBroker, topic: string): Promise<number> {
  const start = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const child = spawn('kcat', ['-b', broker.brokers.join(','), '-C', '-t', topic, '-o', 'beginning', '-e', '-q'], {
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kcat exited with ${code}`))));
  });
  return seconds(start);
}

async function benchBackup(broker: KafkaBroker, s3: S3Server, bucket: string, stateDir: string): Promise<void> {
  const topic = 'bench.events';
  await produce(broker, topic);
  report('kcat (C client) reads the topic', EVENTS / (await kcatBaseline(broker, topic)), 'events/s');

  const loaded = loadConfig({ ...benchEnv(broker, s3, bucket, stateDir), STREAMVAULT_BATCH_MAX_AGE_SECONDS: '2' });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const store = new S3ObjectStore(s3ClientFor(s3), bucket);
  let committed = 0;
  let firstDurable: bigint | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  const made = await createBackupDaemon(loaded.config, {
    logger: quiet,
    store,
    streams: manifestOnlyPipeline(),
    monotonicNow: () => performance.now(),
    wallNow: () => Date.now(),
    observer: {
      onBatchDurable: (_pair, entry) => {
        firstDurable ??= process.hrtime.bigint();
        committed += entry.count;
        if (committed >= EVENTS) resolveDone();
      },
    },
  });
  if (made.kind !== 'ready') throw new Error(made.message);
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 50);
  const start = process.hrtime.bigint();
  const running = made.daemon.run();
  await done;
  const elapsed = seconds(start);
  const steady = firstDurable === undefined ? elapsed : seconds(firstDurable);
  clearInterval(sampler);
  made.daemon.requestStop({ kind: 'done' });
  await running;
  report(`backup: ${EVENTS} x 1 KiB events to S3 (incl. group join)`, EVENTS / elapsed, 'events/s');
  report('backup: throughput', (EVENTS * EVENT_BYTES) / elapsed / 1e6, 'MB/s');
  report('backup: steady state (first to last durable batch)', EVENTS / steady, 'events/s');
  report('backup: RSS growth while backing up', (rssPeak - rssBefore) / 1e6, 'MB');
}

/** Copies one blob with StreamCopier; returns MB/s and how much this process's RSS grew meanwhile. */
async function copyMeasured(copier: StreamCopier, sha256: string): Promise<{ mbPerSecond: number; rssGrowthMb: number }> {
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 20);
  const start = process.hrtime.bigint();
  const outcome = await copier.copy({ source: 'samples', label: 'content', sha256 }, new AbortController().signal);
  const elapsed = seconds(start);
  clearInterval(sampler);
  if (outcome.kind !== 'stored') throw new Error(`stream copy: expected stored, got ${JSON.stringify(outcome)}`);
  return { mbPerSecond: BLOB_BYTES / elapsed / 1e6, rssGrowthMb: (rssPeak - rssBefore) / 1e6 };
}

async function benchStreamCopy(s3: S3Server, bucket: string): Promise<void> {
  const size = `${(BLOB_BYTES / 1024 ** 2).toFixed(0)} MiB`;
  const copierFor = (source: HttpStreamSource | S3StreamSource, targetBucket: string) =>
    new StreamCopier({
      store: new S3ObjectStore(s3ClientFor(s3), targetBucket),
      layout: new KeyLayout(''),
      source,
      logger: quiet,
      retries: 0,
      minRetryDelayMs: 100,
      idleTimeoutMs: 60_000,
    });

  // From an S3 source: s3rver runs in its own process, so the RSS growth is streamvault's alone.
  const sourceBucket = 'bench-source';
  await createBucket(s3ClientFor(s3), sourceBucket);
  const sha256 = generatedSha256(BLOB_BYTES, 7);
  await new S3ObjectStore(s3ClientFor(s3), sourceBucket).putStream(sha256, generatedStream(BLOB_BYTES, 7));
  const fromS3 = await copyMeasured(copierFor(new S3StreamSource(new S3ObjectStore(s3ClientFor(s3), sourceBucket), '{sha256}'), bucket), sha256);
  report(`stream copy (S3 source): ${size} blob, verified`, fromS3.mbPerSecond, 'MB/s');
  report('stream copy (S3 source): RSS growth', fromS3.rssGrowthMb, 'MB');

  // From the platform's HTTP API; the test server generating the blob runs in this process too.
  const server = await startStreamServer();
  try {
    server.putGenerated('samples', 'content', BLOB_BYTES, 7);
    const targetBucket = 'bench-backup-http';
    await createBucket(s3ClientFor(s3), targetBucket);
    const source = new HttpStreamSource({ baseUrl: server.baseUrl, urlTemplate: '{base}/api/v3/stream/{source}/{label}/{sha256}', token: '' });
    const fromHttp = await copyMeasured(copierFor(source, targetBucket), sha256);
    report(`stream copy (HTTP source): ${size} blob, verified`, fromHttp.mbPerSecond, 'MB/s');
    report('stream copy (HTTP source, server in-process): RSS growth', fromHttp.rssGrowthMb, 'MB');
  } finally {
    await server.stop();
  }
}

async function benchRestore(s3: S3Server, bucket: string, stateDir: string): Promise<void> {
  const target = await startKafkaBroker();
  try {
    const start = process.hrtime.bigint();
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'restore', '--json', '--what', 'events'], {
        env: {
          PATH: process.env.PATH ?? '',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          ...benchEnv(target, s3, bucket, join(stateDir, 'restore')),
          STREAMVAULT_RESTORE_STREAM_TARGET: 'none',
          STREAMVAULT_LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
      child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`restore exited with ${code}`))));
    });
    const elapsed = seconds(start);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { events_restored?: number };
    if (summary.events_restored !== EVENTS) throw new Error(`restore: expected ${EVENTS} events, summary says ${summary.events_restored}`);
    report(`restore: ${EVENTS} events into a fresh broker (incl. start-up)`, EVENTS / elapsed, 'events/s');
  } finally {
    await target.stop();
  }
}

async function main(): Promise<void> {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  if (!json) process.stderr.write(`streamvault benchmark: ${cpus().length} cores, Node ${process.version}\n`);
  const work = mkdtempSync(join(tmpdir(), 'streamvault-bench-'));
  const [broker, s3] = await Promise.all([startKafkaBroker(), startS3Server({ directory: join(work, 's3') })]);
  try {
    const bucket = 'bench-backup';
    await createBucket(s3ClientFor(s3), bucket);
    // The stream copy goes first, while this process's heap is small: its RSS growth is the figure.
    await benchStreamCopy(s3, bucket);
    await benchAvro();
    await benchBackup(broker, s3, bucket, join(work, 'state'));
    await benchRestore(s3, bucket, join(work, 'state'));
  } finally {
    await Promise.allSettled([broker.stop(), s3.stop()]);
    rmSync(work, { recursive: true, force: true });
  }
  if (json) process.stdout.write(`${JSON.stringify({ node: process.version, cores: cpus().length, figures })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
