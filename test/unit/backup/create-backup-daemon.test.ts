import { join } from 'node:path';
import kafkajs, { type ConsumerConfig, type Kafka } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { createBackupDaemon, type BackupRuntime } from '../../../src/backup/create-backup-daemon.js';
import { StopRequests } from '../../../src/backup/stop-requests.js';
import { loadConfig, type Config } from '../../../src/config/load-config.js';
import { exitCodeFor } from '../../../src/errors/exit-code-of.js';
import { ExitCode } from '../../../src/exit-codes.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { readRepositoryConfig } from '../../../src/storage/repository-config.js';
import { manifestOnlyPipeline } from '../../../src/streams/stream-pipeline.js';
import { capturedLogger } from '../../helpers/captured-logger.js';
import { FakeConsumer } from '../../helpers/fake-kafkajs-consumer.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

function config(env: Record<string, string> = {}): Config {
  const loaded = loadConfig({
    STREAMVAULT_S3_BUCKET: 'backup',
    STREAMVAULT_KAFKA_BROKERS: 'b1:9092',
    STREAMVAULT_SOURCES: 'samples',
    STREAMVAULT_EVENT_TYPES: 'sourced, extracted',
    STREAMVAULT_EXTRA_PAIRS: '',
    STREAMVAULT_S3_CONDITIONAL_WRITES: 'off',
    ...env,
  });
  if (!loaded.ok) throw new Error(`expected a valid configuration, got ${JSON.stringify(loaded.problems)}`);
  return loaded.config;
}

/** The backup brokers in memory: admin clients (calls written down as `admin <n>: <call>`) and one FakeConsumer. */
function fakeKafka() {
  const calls: string[] = [];
  const consumers: FakeConsumer[] = [];
  let admins = 0;
  const kafka = {
    admin: () => {
      const n = ++admins;
      return {
        connect: async () => void calls.push(`admin ${n}: connect`),
        disconnect: async () => void calls.push(`admin ${n}: disconnect`),
        listTopics: async () => [],
        fetchTopicMetadata: async () => ({ topics: [] }),
        describeConfigs: async () => ({ resources: [] }),
        fetchTopicOffsets: async () => [{ partition: 0, offset: '0', high: '0', low: '0' }],
        fetchOffsets: async ({ topics }: { topics: string[] }) => topics.map((topic) => ({ topic, partitions: [{ partition: 0, offset: '-1', metadata: null }] })),
      };
    },
    consumer: (consumerConfig: ConsumerConfig) => {
      const consumer = new FakeConsumer('samples.sourced');
      consumer.config = consumerConfig;
      consumers.push(consumer);
      return consumer;
    },
  } as unknown as Pick<Kafka, 'admin' | 'consumer'>;
  return { kafka, calls, consumers };
}

function runtime(store: MemoryObjectStore, kafka: Pick<Kafka, 'admin' | 'consumer'>, overrides: Partial<BackupRuntime> = {}) {
  const { lines, logger } = capturedLogger('info');
  const rt: BackupRuntime = {
    logger,
    store,
    streams: manifestOnlyPipeline(),
    monotonicNow: () => performance.now(),
    wallNow: () => Date.parse('2026-01-02T03:04:05Z'),
    stops: new StopRequests(),
    host: 'test-host',
    createKafka: () => kafka,
    ...overrides,
  };
  return { rt, lines };
}

const running: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of running.splice(0)) await stop();
});

describe('createBackupDaemon', () => {
  it('refuses a schema it cannot load with the schema exit code, naming the variable, before it writes anything', async () => {
    const store = new MemoryObjectStore();
    const { kafka, calls } = fakeKafka();
    const missing = join(makeTempDir('create-daemon-'), 'absent.avsc');
    const { rt } = runtime(store, kafka);
    const made = await createBackupDaemon(config({ STREAMVAULT_EVENT_SCHEMA: missing }), rt);
    expect(made).toEqual({ kind: 'refused', exitCode: exitCodeFor('SCHEMA_LOAD_FAILED'), message: expect.stringMatching(/^STREAMVAULT_EVENT_SCHEMA: .*absent\.avsc/) });
    expect(store.calls.filter((c) => c.op === 'put')).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('writes the repository config of a new location (read back: this run\'s pairs), then refuses a run whose pairs conflict with it', async () => {
    const store = new MemoryObjectStore();
    const first = await createBackupDaemon(config(), runtime(store, fakeKafka().kafka).rt);
    expect(first.kind).toBe('ready');
    const stored = await readRepositoryConfig(store, new KeyLayout(''));
    if (stored.kind !== 'present') throw new Error(`expected a stored config, got ${stored.kind}`);
    expect(stored.config.createdAt).toBe('2026-01-02T03:04:05.000Z');
    expect(JSON.stringify(stored.config)).toContain('samples/sourced');
    expect(JSON.stringify(stored.config)).toContain('samples.extracted');

    // The same pair, now read from another topic.
    const { kafka, calls } = fakeKafka();
    const second = await createBackupDaemon(config({ STREAMVAULT_TOPICS: 'samples/sourced=elsewhere.sourced' }), runtime(store, kafka).rt);
    expect(second).toEqual({ kind: 'refused', exitCode: exitCodeFor('CONFIG_INVALID'), message: expect.stringContaining('elsewhere.sourced') });
    // Refused before any Kafka client was made.
    expect(calls).toEqual([]);
  });

  it('makes one worker per configured pair, in order, none decoding without a schema', async () => {
    const { rt, lines } = runtime(new MemoryObjectStore(), fakeKafka().kafka);
    const made = await createBackupDaemon(config(), rt);
    if (made.kind !== 'ready') throw new Error(`expected ready, got ${made.message}`);
    expect(made.workers.map((w) => w.pair)).toEqual([
      { source: 'samples', event: 'sourced', topic: 'samples.sourced' },
      { source: 'samples', event: 'extracted', topic: 'samples.extracted' },
    ]);
    expect(lines.some((l) => l.level === 'warn' && String(l.msg).startsWith('STREAMVAULT_EVENT_SCHEMA is empty'))).toBe(true);
  });

  it('backs events up opaquely without a schema: bytes that are no Avro are not malformed', async () => {
    const { kafka, consumers } = fakeKafka();
    const store = new MemoryObjectStore();
    const { rt } = runtime(store, kafka);
    const made = await createBackupDaemon(config({ STREAMVAULT_EVENT_TYPES: 'sourced' }), rt);
    if (made.kind !== 'ready') throw new Error(`expected ready, got ${made.message}`);
    const [worker] = made.workers;
    const done = made.daemon.run();
    running.push(async () => {
      rt.stops.request({ kind: 'signal', signal: 'SIGTERM' });
      await done;
    });
    await until(() => consumers[0]?.runs === 1);
    // The fake's values are `v<offset>`: no Avro container.
    await consumers[0]!.deliver(0, 0);
    await until(() => worker!.stats.consumed === 1);
    expect(worker!.stats.malformed).toBe(0);
  });

  it('asks the StopRequests it was given to stop when the consumer fails for good', async () => {
    const { kafka, consumers } = fakeKafka();
    const stops = new StopRequests();
    const { rt } = runtime(new MemoryObjectStore(), kafka, { stops });
    const made = await createBackupDaemon(config({ STREAMVAULT_EVENT_TYPES: 'sourced' }), rt);
    if (made.kind !== 'ready') throw new Error(`expected ready, got ${made.message}`);
    await made.consumer.start();
    running.push(() => made.consumer.drain());
    const refused = new (kafkajs.KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error)('SASL authentication failed');
    consumers[0]!.crash(refused);
    expect(stops.reason).toEqual({ kind: 'fatal', error: refused });
  });

  it('once stopped, closes the offsets admin client it used, then calls the runtime\'s onStopped', async () => {
    const { kafka, calls } = fakeKafka();
    const stops = new StopRequests();
    const { rt } = runtime(new MemoryObjectStore(), kafka, { stops, onStopped: async () => void calls.push('runtime onStopped') });
    const made = await createBackupDaemon(config({ STREAMVAULT_EVENT_TYPES: 'sourced' }), rt);
    if (made.kind !== 'ready') throw new Error(`expected ready, got ${made.message}`);
    const done = made.daemon.run();
    await until(() => made.workers[0]!.state === 'running');
    stops.request({ kind: 'signal', signal: 'SIGTERM' });
    expect(await done).toBe(ExitCode.ok);
    // Admin 1 recorded the topic configs; admin 2 is the offsets client, connected at its first use (the join).
    expect(calls.filter((c) => c.startsWith('admin 2') || c === 'runtime onStopped').slice(-2)).toEqual(['admin 2: disconnect', 'runtime onStopped']);
  });
});

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
