// The whole story on local servers: publish the project's sample events, back them up with the
// daemon, stop it with SIGTERM, restore into an empty broker and stream store, compare everything.
// Usage: npm run demo [-- --json]   (or: node dist/scripts/demo.js [--json] [--keep])
//   --json  human output goes to stderr; stdout carries the restore's JSON progress lines and, as
//           its last line, the demo's summary object.
//   --keep  keep the temporary directory (bucket data, state directories, logs) and print it.
// Exit code 0 only when every restored record and blob equals the original.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, Partitioners, type IHeaders } from 'kafkajs';
import { createGenerationDecoder } from '../src/events/generation-decoder.js';
import { DEFAULT_EVENT_TYPE_MAP, parseEventTypeMap, resolveTypeNames } from '../src/config/event-type-map.js';
import { loadSchemaGenerations } from '../src/events/schema-generations.js';
import { extractStreamReferences } from '../src/events/stream-references.js';
import { DEFAULT_REFERENCE_LAYOUT, parseReferenceLayout } from '../src/config/reference-layout.js';
import { ORIGINAL_OFFSET, ORIGINAL_PARTITION, ORIGINAL_TOPIC, originalPosition } from '../src/restore/restored-record.js';
import { KeyLayout } from '../src/storage/key-layout.js';
import { readManifests } from '../src/storage/manifest-reader.js';
import { createS3Client, S3ObjectStore } from '../src/storage/s3-object-store.js';
import { spawnTied, stopChild } from './local/child-process.js';
import { generatedBuffer } from './local/generated-bytes.js';
import { startKafkaBroker, type KafkaBroker } from './local/kafka-broker.js';
import { projectRoot } from './local/project-root.js';
import { readTopics, type TopicRecord } from './local/read-topics.js';
import { startS3Server, type S3Server } from './local/s3-server.js';
import { startStreamServer, type StreamServer } from './local/stream-server.js';
import { loadSamples, type LoadedSamples } from './testdata/load-samples.js';

// The SDK's notice that future releases need Node 22 would only bury the demo's own lines.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING ??= '1';

const ROOT = projectRoot(fileURLToPath(import.meta.url));
const CLI = join(ROOT, 'dist/src/cli.js');
const TESTDATA = join(ROOT, 'testdata');
const BUCKET = 'streamvault-demo';
const SHUTDOWN_LINES = /^(shutdown|backup running|second signal|streams left)/;

interface Options {
  json: boolean;
  keep: boolean;
}

interface Reference {
  source: string;
  label: string;
  sha256: string;
}

interface Phase {
  name: string;
  seconds: number;
}

export interface DemoSummary {
  ok: boolean;
  events_produced: number;
  events_restored: number;
  event_bytes: number;
  streams_referenced: number;
  stream_references: number;
  streams_restored: number;
  stream_bytes: number;
  dedup_saved_bytes: number;
  backup_objects: number;
  backup_exit_code: number;
  restore_exit_code: number;
  mismatches: number;
  mismatch_examples: string[];
  phases: Record<string, number>;
}

class Output {
  readonly #human: NodeJS.WritableStream;
  constructor(readonly options: Options) {
    // With --json, stdout is for JSON lines only.
    this.#human = options.json ? process.stderr : process.stdout;
  }
  line(text = ''): void {
    this.#human.write(`${text}\n`);
  }
  json(value: unknown): void {
    if (this.options.json) process.stdout.write(`${JSON.stringify(value)}\n`);
  }
}

async function main(options: Options): Promise<number> {
  const out = new Output(options);
  const phases: Phase[] = [];
  const timed = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await run();
    } finally {
      phases.push({ name, seconds: (performance.now() - started) / 1000 });
    }
  };

  const work = await mkdtemp(join(tmpdir(), 'streamvault-demo-'));
  const stoppables: Array<{ stop(): Promise<void> }> = [];
  try {
    out.line('streamvault demo: Kafka events and their streams -> S3 -> an empty platform, compared');
    out.line(`  working directory ${work}`);

    // 1. Servers: the platform (a Kafka-protocol broker and a stream API) and the S3 store.
    const { source, s3, sourceStreams } = await timed('start servers', async () => {
      const [sourceBroker, s3Server, streamServer] = await Promise.all([
        startKafkaBroker(),
        startS3Server({ directory: join(work, 's3') }),
        startStreamServer({ uploadDir: join(work, 'source-uploads') }),
      ]);
      stoppables.push(sourceBroker, s3Server, streamServer);
      return { source: sourceBroker, s3: s3Server, sourceStreams: streamServer };
    });
    out.line(`\n[1/6] servers: Kafka mock cluster ${source.brokers.join(',')}, s3rver ${s3.endpoint}, stream source ${sourceStreams.baseUrl}`);

    // 2. Publish the samples and serve the streams they reference.
    const samples = await loadSamples(TESTDATA);
    const references = await sampleReferences(samples);
    const published = await timed('publish', async () => {
      for (const ref of references.unique.values()) {
        const recipe = samples.streams.get(ref.sha256)!;
        for (const location of ref.locations) sourceStreams.putGenerated(location.source, location.label, recipe.size, recipe.seed);
      }
      return publish(source, samples);
    });
    const streamBytes = [...references.unique.values()].reduce((sum, r) => sum + samples.streams.get(r.sha256)!.size, 0);
    const referencedBytes = references.all.reduce((sum, r) => sum + samples.streams.get(r.sha256)!.size, 0);
    out.line(`\n[2/6] published ${published.events} events (${formatBytes(published.bytes)}) to ${published.topics.length} topics: ${published.topics.join(', ')}`);
    out.line(`      they reference ${references.all.length} streams, ${references.unique.size} distinct (${formatBytes(streamBytes)})`);

    // 3. Back up until caught up, then SIGTERM: the ordered shutdown shows in the log lines.
    const backupEnv = {
      ...s3Env(s3),
      STREAMVAULT_KAFKA_BROKERS: source.brokers.join(','),
      STREAMVAULT_SOURCES: 'samples,testing',
      STREAMVAULT_EVENT_TYPES: 'sourced,extracted,enriched',
      STREAMVAULT_EXTRA_PAIRS: 'system/insert,system/delete,system/download,system/plugin,system/retrohunt,system/status',
      STREAMVAULT_EVENT_SCHEMA: join(TESTDATA, 'schema'),
      STREAMVAULT_STREAM_SOURCE_URL: sourceStreams.baseUrl,
      STREAMVAULT_STATE_DIR: join(work, 'state-backup'),
      STREAMVAULT_S3_CREATE_BUCKET: 'true',
      STREAMVAULT_BATCH_MAX_AGE_SECONDS: '2',
      STREAMVAULT_SHUTDOWN_GRACE_SECONDS: '10',
      STREAMVAULT_METRICS_PORT: '0',
    };
    out.line('\n[3/6] backup: streamvault backup (runs until the bucket holds every event and stream, then SIGTERM)');
    const backup = await timed('backup', () => runBackup(out, backupEnv, join(work, 'backup.log'), published.ends, references.unique.size, s3));
    out.line(`      exit code ${backup.exitCode}; the bucket holds ${backup.objects} events objects and ${backup.streams} streams`);

    // 4. An empty platform to restore into.
    const { target, targetStreams } = await timed('start empty target', async () => {
      const [broker, streams] = await Promise.all([startKafkaBroker(), startStreamServer({ uploadDir: join(work, 'target-uploads') })]);
      stoppables.push(broker, streams);
      return { target: broker, targetStreams: streams };
    });
    out.line(`\n[4/6] empty target: Kafka mock cluster ${target.brokers.join(',')}, stream store ${targetStreams.baseUrl}`);

    // 5. Restore: streams first, then events.
    out.line('\n[5/6] restore: streamvault restore');
    const restoreEnv = {
      ...s3Env(s3),
      STREAMVAULT_KAFKA_BROKERS: source.brokers.join(','),
      STREAMVAULT_RESTORE_KAFKA_BROKERS: target.brokers.join(','),
      STREAMVAULT_RESTORE_STREAM_URL: targetStreams.baseUrl,
      STREAMVAULT_STATE_DIR: join(work, 'state-restore'),
      STREAMVAULT_RESTORE_PROGRESS_SECONDS: '0.5',
    };
    const restoreExit = await timed('restore', async () => {
      const code = await runRestore(out, restoreEnv, join(work, 'restore.log'));
      out.line(`      exit code ${code}`);
      return code;
    });

    // 6. Compare every record and every blob.
    const comparison = await timed('compare', () => compare(source, target, published.topics, samples, references.unique, targetStreams));
    out.line(`\n[6/6] compared ${comparison.eventsRestored} restored events and ${comparison.streamsRestored} restored streams: ${comparison.mismatches.length} mismatches`);
    for (const example of comparison.mismatches.slice(0, 10)) out.line(`      - ${example}`);

    const summary: DemoSummary = {
      ok: false,
      events_produced: published.events,
      events_restored: comparison.eventsRestored,
      event_bytes: published.bytes,
      streams_referenced: references.unique.size,
      stream_references: references.all.length,
      streams_restored: comparison.streamsRestored,
      stream_bytes: streamBytes,
      dedup_saved_bytes: referencedBytes - streamBytes,
      backup_objects: backup.objects,
      backup_exit_code: backup.exitCode,
      restore_exit_code: restoreExit,
      mismatches: comparison.mismatches.length,
      mismatch_examples: comparison.mismatches.slice(0, 10),
      phases: Object.fromEntries(phases.map((p) => [p.name, round(p.seconds)])),
    };
    summary.ok =
      summary.mismatches === 0 &&
      summary.events_restored === summary.events_produced &&
      summary.streams_restored === summary.streams_referenced &&
      backup.exitCode === 0 &&
      restoreExit === 0;

    out.line('\nsummary');
    out.line(`  events      ${summary.events_produced} produced, ${summary.events_restored} restored (${formatBytes(summary.event_bytes)}) in ${summary.backup_objects} backup objects`);
    out.line(`  streams     ${summary.streams_referenced} distinct of ${summary.stream_references} references, ${summary.streams_restored} restored (${formatBytes(summary.stream_bytes)})`);
    out.line(`  dedup       saved ${formatBytes(summary.dedup_saved_bytes)}: each blob is fetched and stored once`);
    out.line(`  mismatches  ${summary.mismatches}`);
    out.line(`  time        ${phases.map((p) => `${p.name} ${p.seconds.toFixed(1)} s`).join(', ')}`);
    out.line(summary.ok ? '\nOK: the restored platform equals the original.' : '\nFAILED: the restored platform differs from the original (see above).');
    if (options.keep) out.line(`kept ${work} (backup.log, restore.log, s3/, state-*/)`);
    out.json(summary);
    return summary.ok ? 0 : 1;
  } finally {
    await Promise.allSettled(stoppables.reverse().map((s) => s.stop()));
    if (!options.keep) await rm(work, { recursive: true, force: true });
  }
}

/** Every stream reference of every sample event, decoded with the default settings as the daemon does. */
async function sampleReferences(samples: LoadedSamples): Promise<{
  all: Reference[];
  unique: Map<string, { sha256: string; locations: Array<{ source: string; label: string }> }>;
}> {
  const generations = await loadSchemaGenerations(join(TESTDATA, 'schema'));
  const map = parseEventTypeMap(DEFAULT_EVENT_TYPE_MAP);
  const layout = parseReferenceLayout(DEFAULT_REFERENCE_LAYOUT);
  if (map.kind !== 'parsed' || layout.kind !== 'parsed') throw new Error('the default event type map or reference layout does not parse');
  const all: Reference[] = [];
  const unique = new Map<string, { sha256: string; locations: Array<{ source: string; label: string }> }>();
  for (const pair of samples.pairs) {
    const decoder = createGenerationDecoder(generations, resolveTypeNames(map.map, pair.event));
    for (const message of pair.messages) {
      const outcome = decoder.decode(message.value);
      if (outcome.kind !== 'decoded') throw new Error(`testdata ${message.file} does not decode: ${outcome.reason}`);
      for (const ref of extractStreamReferences(outcome.value, layout.layout).references) {
        if (!samples.streams.has(ref.sha256)) throw new Error(`testdata ${message.file} references ${ref.sha256}, which streams.json lacks`);
        all.push(ref);
        const entry = unique.get(ref.sha256) ?? { sha256: ref.sha256, locations: [] };
        if (!entry.locations.some((l) => l.source === ref.source && l.label === ref.label)) entry.locations.push({ source: ref.source, label: ref.label });
        unique.set(ref.sha256, entry);
      }
    }
  }
  return { all, unique };
}

function kafkaClient(broker: KafkaBroker, clientId: string): Kafka {
  return new Kafka({ clientId, brokers: broker.brokers, logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 200 } });
}

async function publish(broker: KafkaBroker, samples: LoadedSamples): Promise<{ events: number; bytes: number; topics: string[]; ends: Map<string, bigint> }> {
  const kafka = kafkaClient(broker, 'streamvault-demo-producer');
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: true });
  await producer.connect();
  let events = 0;
  let bytes = 0;
  const topics: string[] = [];
  try {
    for (const pair of samples.pairs) {
      const topic = `${pair.source}.${pair.event}`;
      topics.push(topic);
      await producer.send({
        topic,
        acks: -1,
        messages: pair.messages.map((m) => {
          events += 1;
          bytes += m.value.length + (m.key?.length ?? 0);
          const headers: IHeaders = {};
          for (const h of m.headers) headers[h.key] = h.value ?? Buffer.alloc(0);
          return { key: m.key, value: m.value, timestamp: m.timestamp, headers };
        }),
      });
    }
  } finally {
    await producer.disconnect();
  }
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, bigint>();
  try {
    for (const topic of topics) {
      for (const o of await admin.fetchTopicOffsets(topic)) if (BigInt(o.high) > 0n) ends.set(`${topic}/${o.partition}`, BigInt(o.high));
    }
  } finally {
    await admin.disconnect();
  }
  return { events, bytes, topics, ends };
}

function s3Env(s3: S3Server): Record<string, string> {
  return {
    STREAMVAULT_S3_ENDPOINT: s3.endpoint,
    STREAMVAULT_S3_BUCKET: BUCKET,
    STREAMVAULT_S3_FORCE_PATH_STYLE: 'true',
    STREAMVAULT_S3_ACCESS_KEY_ID: 'S3RVER',
    STREAMVAULT_S3_SECRET_ACCESS_KEY: 'S3RVER',
    STREAMVAULT_S3_REGION: 'us-east-1',
    STREAMVAULT_LOG_LEVEL: 'info',
  };
}

function cliProcess(args: string[], env: Record<string, string>, stdout: 'pipe' | 'inherit') {
  return spawnTied(process.execPath, [CLI, ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      ...env,
    },
    stdio: ['ignore', stdout, 'pipe'],
  });
}

/** Feeds each complete line of `stream` to `onLine`. */
function eachLine(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
}

async function runBackup(
  out: Output,
  env: Record<string, string>,
  logFile: string,
  ends: Map<string, bigint>,
  streamCount: number,
  s3: S3Server,
): Promise<{ exitCode: number; objects: number; streams: number }> {
  const child = cliProcess(['backup'], env, 'pipe');
  const log: string[] = [];
  let kafkaClientErrors = 0;
  eachLine(child.stderr!, (line) => {
    log.push(line);
    let parsed: { msg?: string; level?: string; kafka?: string; pairs?: string[]; exitCode?: number } | undefined;
    try {
      parsed = JSON.parse(line) as typeof parsed;
    } catch {
      out.line(`      ${line}`);
      return;
    }
    if (parsed?.msg && SHUTDOWN_LINES.test(parsed.msg)) {
      const detail = parsed.pairs ? ` (${parsed.pairs.length} pairs)` : parsed.exitCode !== undefined ? ` (exit code ${parsed.exitCode})` : '';
      out.line(`      log: ${parsed.msg}${detail}`);
    } else if (parsed?.kafka !== undefined) {
      // kafkajs's own lines: the mock brokers sometimes make the first connection attempt time out.
      kafkaClientErrors += 1;
    } else if (parsed?.level === 'error' || parsed?.level === 'fatal') {
      out.line(`      log (${parsed.level}): ${parsed.msg}`);
    }
  });
  child.stdout!.resume();
  const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal === 'SIGKILL' ? 137 : 143))));
  let exitCode: number | undefined;
  void exited.then((code) => (exitCode = code));

  const store = new S3ObjectStore(createS3Client({ bucket: BUCKET, endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', maxAttempts: 3 }), BUCKET);
  const layout = new KeyLayout('');
  const deadline = Date.now() + 180_000;
  let objects = 0;
  let streams = 0;
  try {
    for (;;) {
      if (exitCode !== undefined) throw new Error(`the backup exited early with code ${exitCode}; last log lines:\n${log.slice(-15).join('\n')}`);
      if (Date.now() > deadline) throw new Error(`the backup did not catch up within 180 s; last log lines:\n${log.slice(-15).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      if (!(await store.bucketExists())) continue;
      const { entries } = await readManifests(store, layout);
      const covered = new Map<string, bigint>();
      for (const e of entries) {
        const id = `${e.topic}/${e.partition}`;
        const next = BigInt(e.lastOffset) + 1n;
        if ((covered.get(id) ?? 0n) < next) covered.set(id, next);
      }
      const eventsDone = [...ends].every(([id, end]) => (covered.get(id) ?? 0n) >= end);
      streams = 0;
      for await (const _ of store.list(layout.streamsPrefix())) streams += 1;
      objects = entries.length;
      if (eventsDone && streams >= streamCount) break;
    }
    if (kafkaClientErrors > 0) out.line(`      (${kafkaClientErrors} kafkajs client warnings, e.g. connection timeouts, retried by kafkajs)`);
    out.line(`      caught up: every event is in ${objects} events objects, all ${streams} streams are stored; sending SIGTERM`);
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await exited;
    clearTimeout(timer);
    return { exitCode: code, objects, streams };
  } finally {
    await stopChild(child);
    await writeFile(logFile, `${log.join('\n')}\n`);
  }
}

async function runRestore(out: Output, env: Record<string, string>, logFile: string): Promise<number> {
  // On a terminal the restore draws its own progress bar; otherwise its JSON lines are shown.
  const bar = !out.options.json && Boolean(process.stdout.isTTY);
  const child = cliProcess(bar ? ['restore'] : ['restore', '--json'], env, bar ? 'inherit' : 'pipe');
  const log: string[] = [];
  eachLine(child.stderr!, (line) => {
    log.push(line);
    try {
      const parsed = JSON.parse(line) as { level?: string; msg?: string };
      if (parsed.level === 'error' || parsed.level === 'fatal') out.line(`      log (${parsed.level}): ${parsed.msg}`);
    } catch {
      out.line(`      ${line}`);
    }
  });
  if (!bar) {
    eachLine(child.stdout!, (line) => {
      if (line.trim() === '') return;
      out.json(JSON.parse(line));
      if (out.options.json) return;
      const m = JSON.parse(line) as { message_type: string; phase?: string; percent_done?: number; files_done?: number; total_files?: number; bytes_done?: number; total_bytes?: number; item?: string; error?: string };
      if (m.message_type === 'status') {
        const width = 30;
        const filled = Math.round((m.percent_done ?? 0) * width);
        out.line(`      ${(m.phase ?? '').padEnd(8)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${((m.percent_done ?? 0) * 100).toFixed(0).padStart(3)}% ${m.files_done}/${m.total_files} objects ${formatBytes(m.bytes_done ?? 0)}/${formatBytes(m.total_bytes ?? 0)}`);
      } else if (m.message_type === 'error') {
        out.line(`      error: ${m.item}: ${m.error}`);
      } else if (m.message_type === 'summary') {
        out.line(`      restore summary: ${m.files_done}/${m.total_files} objects, ${formatBytes(m.bytes_done ?? 0)}`);
      }
    });
  }
  const code = await new Promise<number>((resolve) => child.once('exit', (c, signal) => resolve(c ?? (signal === 'SIGKILL' ? 137 : 143))));
  await writeFile(logFile, `${log.join('\n')}\n`);
  if (code !== 0) out.line(`      restore log tail:\n${log.slice(-10).map((l) => `        ${l}`).join('\n')}`);
  return code;
}

async function compare(
  source: KafkaBroker,
  target: KafkaBroker,
  topics: string[],
  samples: LoadedSamples,
  unique: Map<string, { sha256: string; locations: Array<{ source: string; label: string }> }>,
  targetStreams: StreamServer,
): Promise<{ eventsRestored: number; streamsRestored: number; mismatches: string[] }> {
  const mismatches: string[] = [];
  const [originals, restored] = await Promise.all([
    readTopics(kafkaClient(source, 'streamvault-demo-compare'), topics),
    readTopics(kafkaClient(target, 'streamvault-demo-compare'), topics),
  ]);
  const byPosition = new Map(originals.map((r) => [`${r.topic}/${r.partition}/${r.offset}`, r]));
  const seen = new Set<string>();
  for (const record of restored) {
    const origin = originalPosition(record.headers);
    const where = `${record.topic}/${record.partition}/${record.offset}`;
    if (origin === undefined) {
      mismatches.push(`${where}: restored record has no original-position headers`);
      continue;
    }
    const id = `${origin.topic}/${origin.partition}/${origin.offset}`;
    if (seen.has(id)) mismatches.push(`${id}: restored more than once (again at ${where})`);
    seen.add(id);
    const original = byPosition.get(id);
    if (original === undefined) {
      mismatches.push(`${where}: restored a record the source never had (${id})`);
      continue;
    }
    const problems = differences(original, record);
    if (problems.length > 0) mismatches.push(`${id}: ${problems.join('; ')}`);
  }
  for (const id of byPosition.keys()) if (!seen.has(id)) mismatches.push(`${id}: not restored`);

  let streamsRestored = 0;
  for (const { sha256, locations } of unique.values()) {
    const recipe = samples.streams.get(sha256)!;
    const bytes = targetStreams.get(sha256);
    if (bytes === undefined) {
      mismatches.push(`stream ${sha256}: not restored`);
      continue;
    }
    if (!bytes.equals(generatedBuffer(recipe.size, recipe.seed))) {
      mismatches.push(`stream ${sha256}: restored bytes differ from the original`);
      continue;
    }
    const missing = locations.filter((l) => !targetStreams.posted.some((p) => p.sha256 === sha256 && p.source === l.source && p.label === l.label));
    if (missing.length > 0) {
      mismatches.push(`stream ${sha256}: not posted to ${missing.map((l) => `${l.source}/${l.label}`).join(', ')}`);
      continue;
    }
    streamsRestored += 1;
  }
  return { eventsRestored: seen.size, streamsRestored, mismatches };
}

const ORIGIN_HEADERS = new Set([ORIGINAL_TOPIC, ORIGINAL_PARTITION, ORIGINAL_OFFSET]);

function differences(original: TopicRecord, restored: TopicRecord): string[] {
  const problems: string[] = [];
  if (original.partition !== restored.partition) problems.push(`partition ${restored.partition}, expected ${original.partition}`);
  if (!sameBytes(original.key, restored.key)) problems.push('key differs');
  if (!sameBytes(original.value, restored.value)) problems.push('value differs');
  if (original.timestamp !== restored.timestamp) problems.push(`timestamp ${restored.timestamp}, expected ${original.timestamp}`);
  const strip = (headers: IHeaders) =>
    JSON.stringify(
      Object.entries(headers)
        .filter(([key]) => !ORIGIN_HEADERS.has(key))
        .map(([key, value]) => [key, (Array.isArray(value) ? value : [value]).map((v) => (v === undefined ? null : Buffer.from(v).toString('base64')))]),
    );
  if (strip(original.headers) !== strip(restored.headers)) problems.push('headers differ');
  return problems;
}

function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, keep: { type: 'boolean', default: false } } });
try {
  process.exitCode = await main({ json: values.json ?? false, keep: values.keep ?? false });
} catch (error) {
  process.stderr.write(`demo failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
}
// kafkajs and the SDK keep sockets alive for a while; everything this demo started is stopped.
setTimeout(() => process.exit(), 200).unref();
