/**
 * `npm run bench` (the medians of 3 rounds; `-- --quick` for one short round, `-- --repeat N` for
 * N rounds): streamvault against its baselines, side by side, on the same data in the same run, on
 * a real Apache Kafka broker (KRaft), s3rver and the stream server of scripts/local. Prints a table
 * and writes bench/results.json (see bench/results.ts).
 * Absolute figures do not travel between machines; the ratios do. No test asserts a timing.
 *
 * Timing: every side from its first record to its last. The daemon and the restore run as their
 * own processes (the built CLI) and are timed from their own log lines (pino `time`, ms): the
 * backup from `first records fetched since the join` to the last `batch durable and committed`, the restore from
 * `producing events to the target` to `restore finished`, streams from the stream source's first
 * request to the last `stream stored`. Process start-up and the group join are outside every
 * window. S3 object timestamps would do too, but s3rver's Last-Modified has 1 s resolution.
 *
 * BENCH_KAFKA_BROKERS=host:port,... reuses a running broker instead of starting one;
 * The daemon and restore processes run with the node flags the image's ENTRYPOINT gives node
 * (Dockerfile); BENCH_NODE_OPTIONS adds NODE_OPTIONS to them.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { consumerFetchSettings } from '../src/backup/backup-consumer.js';
import { variables } from '../src/config/variables/index.js';
import { ExitCode } from '../src/exit-codes.js';
import { loadSchemaRegistry } from '../src/events/schema-registry.js';
import { corpusRecords, generateCorpus, type Corpus } from './bench/corpus.js';
import { backupWindow, linesWith, runCli, type CliRun } from './bench/daemon-run.js';
import { measurePlanning } from './bench/planning.js';
import { createIdleTopics, measureIdlePairs, type IdlePairsFigure } from './bench/idle-pairs.js';
import { combineRounds, computeResults, cpuBeyondBackground, pairRows, renderTable, roundPairs, type BenchMeasurements } from './bench/results.js';
import { KEEP_OLD_RECORDS, bareStreamPut, encodeBatches, produceBare, putBatches, readWithKafkajs, readWithKcat, windowSeconds, type TimeWindow } from './bench/stages.js';
import { CpuMeter, meterNow } from './bench/cpu-meter.js';
import { imageEntrypoint } from './bench/image-entrypoint.js';
import { generatedSha256 } from './local/generated-bytes.js';
import { startKafkaBroker, type KafkaBroker } from './local/kafka-broker.js';
import { projectRoot } from './local/project-root.js';
import { createBucket, s3ClientFor, startS3Server, type S3Server } from './local/s3-server.js';
import { startStreamServer, type StreamServer } from './local/stream-server.js';

const ROOT = projectRoot(fileURLToPath(import.meta.url));
const CLI = join(ROOT, 'dist/src/cli.js');
const USAGE = 'usage: npm run bench -- [--quick] [--repeat N] [--backup-only | --pairs-only] [--cpu-prof]';

/** The command line (`npm run bench -- <flags>`): an unknown flag or a bad count is refused (exit 2, as the CLI's bad arguments), not ignored. */
function benchFlags(): { quick: boolean; pairsOnly: boolean; backupOnly: boolean; cpuProf: boolean; rounds: number } {
  try {
    const { values } = parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        'pairs-only': { type: 'boolean', default: false },
        'backup-only': { type: 'boolean', default: false },
        'cpu-prof': { type: 'boolean', default: false },
        repeat: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
    const pairsOnly = values['pairs-only'];
    if (pairsOnly && values['backup-only']) throw new Error('--pairs-only and --backup-only: expected one of them, got both');
    const backupOnly = values['backup-only'];
    // By default the full run reports medians of 3 rounds; a quick or partial look runs one.
    const rounds = values.repeat === undefined ? (values.quick || pairsOnly || backupOnly ? 1 : 3) : repeatCount(values.repeat);
    if (pairsOnly && rounds > 1) throw new Error(`--repeat ${rounds} with --pairs-only: the idle pairs are measured once; run --pairs-only without --repeat`);
    return { quick: values.quick, pairsOnly, backupOnly, cpuProf: values['cpu-prof'], rounds };
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n${USAGE}\n`);
    process.exit(ExitCode.badConfiguration);
  }
}
const flags = benchFlags();
const quick = flags.quick;
/** `--pairs-only`: only the idle daemons with 10, 100 and 500 pairs (prints their rows, writes nothing). */
const pairsOnly = flags.pairsOnly;
/** `--backup-only`: only the stages and the three backlogs (prints their figures, writes nothing). */
const backupOnly = flags.backupOnly;
/** `--repeat N`: rounds of the side-by-side figures (3 for a full run, else 1); results.json holds their medians (results.ts combineRounds). */
const ROUNDS = flags.rounds;
/** Idle daemons measured: pairs per daemon, and seconds of idle sampling each. */
const PAIR_COUNTS = [10, 100, 500];
const IDLE_SAMPLE_SECONDS = quick ? 10 : 30;
/** `--cpu-prof`: the daemon and restore processes write V8 CPU profiles into bench/profiles/. */
const profileDir = flags.cpuProf ? join(ROOT, 'bench/profiles') : undefined;
/** NODE_OPTIONS of the daemon and restore processes (BENCH_NODE_OPTIONS), e.g. a heap limit. */
const nodeOptions = process.env.BENCH_NODE_OPTIONS;
/** The daemon and restore processes run with the node flags of the image's ENTRYPOINT, as shipped. */
const IMAGE = imageEntrypoint(ROOT);

/**
 * Sizes of one run. The 1 GiB blob takes over a minute through s3rver on a loaded 2-core machine,
 * so --quick streams a quarter of it (results.json says which: `run.blob_bytes`).
 */
const SIZES = quick
  ? { backlog: 3_000, streamEvents: 450, blobBytes: 256 * 1024 ** 2, planning: [2_500, 5_000, 10_000] }
  : { backlog: 20_000, streamEvents: 1_800, blobBytes: 1024 ** 3, planning: [10_000, 20_000, 40_000] };
const PARTITIONS = 4;
/** The daemon's and the restore's defaults: every baseline runs at the same batch size and concurrency. */
const defaultOf = (v: { default: string | undefined }) => Number(v.default);
const BATCH_EVENTS = defaultOf(variables.BATCH_MAX_EVENTS);
const STREAM_CONCURRENCY = defaultOf(variables.STREAM_CONCURRENCY);
const RESTORE_REQUEST = { events: defaultOf(variables.RESTORE_PRODUCE_BATCH_EVENTS), bytes: defaultOf(variables.RESTORE_PRODUCE_BATCH_BYTES) };
/** BackupConsumer's fetch settings at the default STREAMVAULT_BATCH_MAX_BYTES (backup-consumer.ts). */
const FETCH = consumerFetchSettings(defaultOf(variables.BATCH_MAX_BYTES));

const log = (text: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);
/** How long the machine is watched idle before the stages: its background CPU, taken off every window. */
const BACKGROUND_MS = 2_000;

interface Servers {
  broker: { brokers: string[]; description: string; stop(): Promise<void> };
  s3: S3Server;
  streams: StreamServer;
}

async function startServers(work: string): Promise<Servers> {
  const reuse = process.env.BENCH_KAFKA_BROKERS?.split(',').filter(Boolean);
  const brokerStart: Promise<Servers['broker']> = reuse?.length
    ? Promise.resolve({ brokers: reuse, description: `a running broker at ${reuse.join(',')} (BENCH_KAFKA_BROKERS)`, stop: async () => {} })
    : startKafkaBroker({ kind: 'kafka', brokers: 1, parentDir: work }).then((b: KafkaBroker) => b);
  const [broker, s3, streams] = await Promise.allSettled([brokerStart, startS3Server({ directory: join(work, 's3') }), startStreamServer({ uploadDir: join(work, 'uploads') })]);
  if (broker.status === 'fulfilled' && s3.status === 'fulfilled' && streams.status === 'fulfilled') {
    return { broker: broker.value, s3: s3.value, streams: streams.value };
  }
  await Promise.allSettled([broker, s3, streams].map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
  throw [broker, s3, streams].find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason;
}

async function produceCorpus(brokers: string[], topic: string, corpus: Corpus): Promise<void> {
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING, clientId: 'bench-input' });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, configEntries: KEEP_OLD_RECORDS }], waitForLeaders: true });
  await admin.disconnect();
  // Idempotent: a busy broker must not make kafkajs resend a request into a duplicate.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  // 1,000 messages of 1-3 KB over 4 partitions: each partition's record batch stays under the broker's 1 MB.
  for (let i = 0; i < corpus.messages.length; i += 1_000) {
    await producer.send({ topic, acks: -1, messages: corpus.messages.slice(i, i + 1_000) });
  }
  await producer.disconnect();
}

/** The daemon's environment for one pair against the bench's servers. */
function daemonEnv(s: Servers, run: string, bucket: string, stateDir: string, topic: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    STREAMVAULT_KAFKA_BROKERS: s.broker.brokers.join(','),
    STREAMVAULT_KAFKA_GROUP_ID: `bench-${run}`,
    STREAMVAULT_S3_ENDPOINT: s.s3.endpoint,
    STREAMVAULT_S3_BUCKET: bucket,
    STREAMVAULT_S3_FORCE_PATH_STYLE: 'true',
    STREAMVAULT_S3_ACCESS_KEY_ID: 'S3RVER',
    STREAMVAULT_S3_SECRET_ACCESS_KEY: 'S3RVER',
    STREAMVAULT_S3_REGION: 'us-east-1',
    STREAMVAULT_STATE_DIR: stateDir,
    STREAMVAULT_SOURCES: '',
    STREAMVAULT_EVENT_TYPES: '',
    STREAMVAULT_EXTRA_PAIRS: 'samples/sourced',
    STREAMVAULT_TOPICS: `samples/sourced=${topic}`,
    STREAMVAULT_EVENT_SCHEMA: join(ROOT, 'testdata/schema/v6'), // one generation, as the bench's numbers always had
    STREAMVAULT_LOG_LEVEL: 'info',
    STREAMVAULT_METRICS_PORT: '0',
    STREAMVAULT_METRICS_HOST: '127.0.0.1',
    STREAMVAULT_SHUTDOWN_GRACE_SECONDS: '60',
    ...extra,
  };
}

async function backupOnce(s: Servers, work: string, run: string, topic: string, extra: Record<string, string>): Promise<CliRun> {
  const bucket = `bench-${run}`;
  await createBucket(s3ClientFor(s.s3), bucket);
  const result = await runCli(CLI, ['backup', '--once'], daemonEnv(s, run, bucket, join(work, `state-${run}`), topic, extra), { profileDir, nodeOptions, nodeFlags: IMAGE.nodeFlags });
  if (result.exitCode !== 0) throw new Error(`backup --once (${run}) exited with ${result.exitCode}\n${result.stderrTail}`);
  return result;
}

/** Idle daemons over 10, 100 and 500 empty one-partition topics, one pair each (issue 17). */
async function measurePairs(s: Servers, work: string, tag: string): Promise<IdlePairsFigure[]> {
  const figures: IdlePairsFigure[] = [];
  for (const count of PAIR_COUNTS) {
    log(`idle daemon with ${count} pairs: creating ${count} topics`);
    const topics = await createIdleTopics(s.broker.brokers, `bench.${tag}.idle${count}`, count);
    const bucket = `bench-idle-${count}`;
    await createBucket(s3ClientFor(s.s3), bucket);
    const env = daemonEnv(s, `idle-${count}`, bucket, join(work, `state-idle-${count}`), topics[0]!, { STREAMVAULT_STREAM_SOURCE: 'none', STREAMVAULT_SHUTDOWN_GRACE_SECONDS: '30' });
    const figure = await measureIdlePairs(CLI, topics, env, IDLE_SAMPLE_SECONDS, IMAGE.nodeFlags);
    log(`  ${count} pairs: ${(figure.idle_cpu_share * 100).toFixed(1)}% of a core, ${figure.rss_mb.toFixed(0)} MB, ${figure.sockets} sockets, SIGTERM to exit ${figure.sigterm_to_exit_s.toFixed(1)} s`);
    figures.push(figure);
  }
  return figures;
}

/** What one round measures (bench.ts measureRound); the rest of BenchMeasurements is measured once. */
interface RoundFigures {
  readonly backup: BenchMeasurements['backup'];
  readonly streams: BenchMeasurements['streams'];
  readonly restore: BenchMeasurements['restore'];
  readonly smallPeakRssBytes: number;
  readonly largePeakRssBytes: number;
  readonly growthBackup: BenchMeasurements['growthBackup'];
  readonly cpu: Omit<BenchMeasurements['cpu'], 'backgroundBusyCores' | 'run'>;
}

/** `--repeat`'s count: 1 to 9 rounds. */
function repeatCount(text: string): number {
  if (!/^[1-9]$/.test(text)) throw new Error(`--repeat: expected a whole number of rounds from 1 to 9, got ${JSON.stringify(text)}`);
  return Number(text);
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const started = new Date();
  const cpu = new CpuMeter();
  cpu.start();
  // On the meter's clock, and after its first sample: the whole run's window (steal_share).
  const runFrom = meterNow();
  const work = mkdtempSync(join(tmpdir(), 'streamvault-bench-'));
  log(`streamvault benchmark${quick ? ' (--quick)' : ''}: ${cpus().length} cores, Node ${process.version}, daemon as the image runs it (node ${IMAGE.nodeFlags.join(' ')}); starting servers`);
  const servers = await startServers(work);
  try {
    log(`broker: ${servers.broker.description}`);
    if (pairsOnly) {
      const figures = await measurePairs(servers, work, started.getTime().toString(36));
      process.stdout.write(`\nbroker: ${servers.broker.description}\n${pairRows(roundPairs(figures)).map((row) => `| ${row.join(' | ')} |`).join('\n')}\n`);
      return;
    }
    const registry = await loadSchemaRegistry(join(ROOT, 'testdata/schema/v6'));
    const binaryEvent = registry.type('BinaryEvent');
    if (!binaryEvent) throw new Error('testdata/schema: expected the BinaryEvent type, found none');
    const brokers = servers.broker.brokers;
    const s3 = s3ClientFor(servers.s3);
    const tag = started.getTime().toString(36);
    const topicOf = (name: string) => `bench.${tag}.${name}`;

    // Inputs. Backlogs reference streams that are never fetched (those runs keep references in the
    // manifests: STREAM_SOURCE=none); the stream runs reference blobs the stream server generates.
    const sizes = { small: SIZES.backlog, medium: 3 * SIZES.backlog, large: 10 * SIZES.backlog };
    // Generated and produced one at a time; only the medium one is kept (the stages and the bare producer read it).
    const makeBacklog = (events: number, seed: number) =>
      generateCorpus(binaryEvent, { events, partitions: PARTITIONS, seed, blobSize: (d) => Math.round(1024 + d * 64 * 1024) });
    const streamCorpus = generateCorpus(binaryEvent, {
      events: SIZES.streamEvents,
      partitions: PARTITIONS,
      seed: 7,
      // 256 KiB to 4 MiB, log-uniform: documents and binaries, a few multipart uploads among them.
      blobSize: (d) => Math.round(256 * 1024 * 16 ** d),
      blobSha256: generatedSha256,
      firstBlobSeed: 1_000,
    });
    for (const blob of streamCorpus.blobs) servers.streams.putGenerated('samples', 'content', blob.size, blob.seed);
    const blobSha = servers.streams.putGenerated('samples', 'content', SIZES.blobBytes, 1);
    const blobCorpus = generateCorpus(binaryEvent, {
      events: 1,
      partitions: PARTITIONS,
      seed: 3,
      referencingShare: 1,
      blobSize: () => SIZES.blobBytes,
      blobSha256: () => blobSha,
    });
    log(`producing ${Object.values(sizes).join(' + ')} backlog events, ${SIZES.streamEvents} referencing ${streamCorpus.blobs.length} blobs, and one ${SIZES.blobBytes} B blob reference`);
    let medium: Corpus | undefined;
    for (const [i, [name, events]] of Object.entries(sizes).entries()) {
      const corpus = makeBacklog(events, 11 + i);
      await produceCorpus(brokers, topicOf(name), corpus);
      if (name === 'medium') medium = corpus;
    }
    if (!medium) throw new Error('expected the medium backlog to be generated');
    await produceCorpus(brokers, topicOf('streams'), streamCorpus);
    await produceCorpus(brokers, topicOf('blob'), blobCorpus);

    log(`the machine idle for ${BACKGROUND_MS / 1000} s: its background CPU`);
    const idleFrom = meterNow();
    await new Promise((resolve) => setTimeout(resolve, BACKGROUND_MS));
    const idleTo = meterNow();
    const backgroundBusyCores = cpu.between(idleFrom, idleTo).busySeconds / ((idleTo - idleFrom) / 1000);

    const records = corpusRecords(topicOf('medium'), medium);
    const cpuOf = (w: TimeWindow) => cpu.between(w.startedAt, w.endedAt);

    /**
     * One round of the side-by-side figures: the stages alone on the medium backlog, the daemon on
     * the three backlogs, the streams through the pool and the bare loop, the restore of the
     * round's medium backup and the bare producer. Each round writes to buckets, groups and topics
     * of its own, so no round finds the work of an earlier one done.
     */
    const measureRound = async (round: number): Promise<RoundFigures | undefined> => {
      const r = (name: string) => `${name}-r${round}`;
      const of = ROUNDS > 1 ? ` (round ${round} of ${ROUNDS})` : '';
      log(`stages${of}: kcat, kafkajs read, encode, write`);
      const kcatSeconds = windowSeconds(await readWithKcat(brokers, topicOf('medium'), medium.messages.length));
      const stageRead = await readWithKafkajs(brokers, topicOf('medium'), medium.messages.length, FETCH);
      const encoded = await encodeBatches(records, BATCH_EVENTS, 'deflate');
      await createBucket(s3, `bench-${r('stage-write')}`);
      const stageWrite = await putBatches(s3, `bench-${r('stage-write')}`, encoded.batches, PARTITIONS);

      // The daemon on three backlog sizes: growth, the headline figure (medium), memory (small, large).
      const runs: Record<string, CliRun> = {};
      for (const name of Object.keys(sizes) as Array<keyof typeof sizes>) {
        log(`backup --once${of}: ${name} backlog (${sizes[name]} events)`);
        runs[name] = await backupOnce(servers, work, r(name), topicOf(name), { STREAMVAULT_STREAM_SOURCE: 'none' });
      }
      const windows = Object.fromEntries(Object.entries(runs).map(([name, run]) => [name, backupWindow(run)]));
      for (const [name, w] of Object.entries(windows)) {
        const expected = sizes[name as keyof typeof sizes];
        if (w.events !== expected) throw new Error(`backup (${name}): expected ${expected} events in durable batches, the log says ${w.events}`);
      }
      const daemonWindow = { startedAt: windows.medium!.firstFetchAt, endedAt: windows.medium!.lastDurableAt };
      if (backupOnly) {
        const usPerEvent = (w: TimeWindow) => ((cpuBeyondBackground(cpuOf(w), windowSeconds(w), backgroundBusyCores) / medium.messages.length) * 1e6).toFixed(1);
        const stages = { read: stageRead, encode: encoded.window, write: stageWrite };
        for (const [stage, w] of Object.entries(stages)) log(`stage ${stage}${of}: ${(medium.messages.length / windowSeconds(w)).toFixed(0)} events/s, ${usPerEvent(w)} us of CPU per event`);
        log(`stage kcat${of}: ${(medium.messages.length / kcatSeconds).toFixed(0)} events/s`);
        const limit = medium.messages.length / Math.max(...Object.values(stages).map(windowSeconds));
        for (const [name, w] of Object.entries(windows)) {
          const perSecond = w.events / w.seconds;
          log(`backup ${name}${of}: ${perSecond.toFixed(0)} events/s (${(perSecond / limit).toFixed(3)} of the stage limit), peak RSS ${(runs[name]!.peakRssBytes / 1024 ** 2).toFixed(0)} MB`);
        }
        log(`backup medium${of}: ${usPerEvent(daemonWindow)} us of CPU per event`);
        return undefined;
      }

      log(`streams${of}: ${streamCorpus.references} references to ${streamCorpus.blobs.length} blobs through the pool`);
      const requestsBefore = servers.streams.requests.length;
      let firstRequestAt: number | undefined;
      const watcher = setInterval(() => {
        if (firstRequestAt === undefined && servers.streams.requests.length > requestsBefore) firstRequestAt = meterNow();
      }, 5);
      const streamsRun = await backupOnce(servers, work, r('streams'), topicOf('streams'), {
        STREAMVAULT_STREAM_SOURCE: 'http',
        STREAMVAULT_STREAM_SOURCE_URL: servers.streams.baseUrl,
      });
      clearInterval(watcher);
      const stored = linesWith(streamsRun, 'stream stored');
      if (stored.length !== streamCorpus.blobs.length || firstRequestAt === undefined) {
        throw new Error(`streams: expected ${streamCorpus.blobs.length} streams stored, the log says ${stored.length}\n${streamsRun.stderrTail}`);
      }
      const streamBytes = stored.reduce((n, l) => n + (l.bytes ?? 0), 0);
      const streamsWindow = { startedAt: firstRequestAt, endedAt: Math.max(...stored.map((l) => l.at)) };
      await createBucket(s3, `bench-${r('streams-bare')}`);
      const bare = await bareStreamPut(
        s3,
        `bench-${r('streams-bare')}`,
        streamCorpus.blobs.map((b) => ({ url: `${servers.streams.baseUrl}/api/v3/stream/samples/content/${b.sha256}`, sha256: b.sha256, size: b.size })),
        STREAM_CONCURRENCY,
      );

      log(`restore${of} of the medium backup (${medium.messages.length} events) vs a bare kafkajs producer`);
      const restoreRun = await runCli(CLI, ['restore', '--what', 'events', '--json'], {
        ...daemonEnv(servers, r('restore'), `bench-${r('medium')}`, join(work, `state-${r('restore')}`), topicOf('medium')),
        STREAMVAULT_RESTORE_TOPIC_TEMPLATE: `{topic}.restored-${round}`,
        STREAMVAULT_RESTORE_STREAM_TARGET: 'none',
      }, { profileDir, nodeOptions, nodeFlags: IMAGE.nodeFlags });
      const producing = linesWith(restoreRun, 'producing events to the target')[0];
      const finished = linesWith(restoreRun, 'restore finished')[0];
      const summary = JSON.parse(restoreRun.stdout.trim().split('\n').at(-1) ?? '{}') as { events_restored?: number };
      if (restoreRun.exitCode !== 0 || !producing || !finished || summary.events_restored !== medium.messages.length) {
        throw new Error(`restore: expected exit 0 and ${medium.messages.length} events restored, got exit ${restoreRun.exitCode}, ${summary.events_restored}\n${restoreRun.stderrTail}`);
      }
      const restoreWindow = { startedAt: producing.at, endedAt: finished.at };
      const bareProduce = await produceBare(brokers, `${topicOf('medium')}.bare-${round}`, records, RESTORE_REQUEST);

      return {
        backup: {
          events: windows.medium!.events,
          payloadBytes: medium.payloadBytes,
          seconds: windows.medium!.seconds,
          stageReadSeconds: windowSeconds(stageRead),
          stageEncodeSeconds: windowSeconds(encoded.window),
          stageWriteSeconds: windowSeconds(stageWrite),
          kcatSeconds,
        },
        streams: { bytes: streamBytes, seconds: windowSeconds(streamsWindow), bareBytes: bare.bytes, bareSeconds: windowSeconds(bare.window) },
        restore: { events: medium.messages.length, seconds: Math.max(0.001, windowSeconds(restoreWindow)), bareSeconds: windowSeconds(bareProduce) },
        smallPeakRssBytes: runs.small!.peakRssBytes,
        largePeakRssBytes: runs.large!.peakRssBytes,
        growthBackup: Object.entries(windows).map(([name, w]) => ({ events: sizes[name as keyof typeof sizes], seconds: w.seconds, peakRssBytes: runs[name]!.peakRssBytes })),
        cpu: {
          backup: { daemon: cpuOf(daemonWindow), read: cpuOf(stageRead), encode: cpuOf(encoded.window), write: cpuOf(stageWrite) },
          streams: { pool: cpuOf(streamsWindow), bare: cpuOf(bare.window) },
          restore: { restore: cpuOf(restoreWindow), bare: cpuOf(bareProduce) },
        },
      };
    };

    const rounds: RoundFigures[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const figures = await measureRound(round);
      if (figures) rounds.push(figures);
    }
    if (backupOnly) return;

    log(`one ${SIZES.blobBytes} B blob through the pool`);
    const blobRun = await backupOnce(servers, work, 'blob', topicOf('blob'), {
      STREAMVAULT_STREAM_SOURCE: 'http',
      STREAMVAULT_STREAM_SOURCE_URL: servers.streams.baseUrl,
      STREAMVAULT_STREAM_TIMEOUT_SECONDS: '600',
      STREAMVAULT_SHUTDOWN_GRACE_SECONDS: '900',
    });
    if (linesWith(blobRun, 'stream stored').length !== 1) throw new Error(`blob: expected the blob stored\n${blobRun.stderrTail}`);

    log(`growth: planning a restore and a verify over ${SIZES.planning.join(', ')} batches`);
    const planning = await measurePlanning(SIZES.planning);

    const pairs = await measurePairs(servers, work, tag);

    const measuredAt = meterNow();
    const runCpu = { ...cpu.between(runFrom, measuredAt), seconds: (measuredAt - runFrom) / 1000 };
    const description = {
      broker: servers.broker.description,
      quick,
      node: process.version,
      node_flags: IMAGE.nodeFlags,
      cores: cpus().length,
      started_at: started.toISOString(),
      blob_bytes: SIZES.blobBytes,
    };
    const results = combineRounds(
      rounds.map((f) => {
        const measurements: BenchMeasurements = {
          backup: f.backup,
          streams: f.streams,
          restore: f.restore,
          memory: { smallPeakRssBytes: f.smallPeakRssBytes, largePeakRssBytes: f.largePeakRssBytes, blobPeakRssBytes: blobRun.peakRssBytes },
          growthBackup: f.growthBackup,
          growthPlanning: planning,
          pairs,
          cpu: { backgroundBusyCores, ...f.cpu, run: runCpu },
        };
        return computeResults(measurements, description);
      }),
    );
    mkdirSync(join(ROOT, 'bench'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`\nbroker: ${results.run.broker}\ndaemon and restore: node ${results.run.node_flags.join(' ')} (the image's flags), Node ${results.run.node}\n${ROUNDS > 1 ? `medians of ${ROUNDS} rounds; [lowest-highest] of the rounds after the headline figures\n` : ''}${renderTable(results)}\n\nwritten: bench/results.json (${((Date.now() - started.getTime()) / 1000).toFixed(0)} s)\n`);
  } finally {
    cpu.stop();
    await Promise.allSettled([servers.broker.stop(), servers.s3.stop(), servers.streams.stop()]);
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
