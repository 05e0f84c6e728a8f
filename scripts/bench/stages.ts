import { createHash } from 'node:crypto';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { createInterface } from 'node:readline';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Kafka, logLevel, type Message } from 'kafkajs';
import PQueue from 'p-queue';
import { encodeContainer, type AvroCodec } from '../../src/events/avro-container.js';
import type { BackupRecord } from '../../src/events/backup-record.js';
import { recordSize } from '../../src/restore/event-restorer.js';
import { toRestoredMessage } from '../../src/restore/restored-record.js';
import { spawnTied } from '../local/child-process.js';
import { meterNow } from './cpu-meter.js';
import type { ConsumerFetchSettings } from '../../src/backup/backup-consumer.js';

/**
 * The corpus' timestamps are from 2025: under the default 7-day retention the broker would delete
 * them as soon as its retention check ran.
 */
export const KEEP_OLD_RECORDS = [{ name: 'retention.ms', value: '-1' }];

// Each stage alone, on the same bytes as the daemon, timed from its first record to its last (meterNow: the CPU meter's clock).

/** When a side ran, from its first record to its last, in epoch milliseconds (cpu-meter.ts reads the machine's CPU over it). */
export interface TimeWindow {
  readonly startedAt: number;
  readonly endedAt: number;
}

export function windowSeconds(w: TimeWindow): number {
  return (w.endedAt - w.startedAt) / 1000;
}

/**
 * Reading: a kafkajs group consumer that does nothing with what it fetches, with the daemon's fetch
 * settings (consumerFetchSettings) and partition concurrency. From its first records to the last.
 */
export async function readWithKafkajs(brokers: string[], topic: string, expected: number, fetch: ConsumerFetchSettings): Promise<TimeWindow> {
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING, clientId: 'bench-read' });
  const consumer = kafka.consumer({ groupId: `bench-read-${topic}-${Date.now()}`, ...fetch });
  let firstAt: number | undefined;
  let seen = 0;
  let lastAt = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch }) => {
      if (batch.messages.length === 0) return;
      firstAt ??= meterNow();
      seen += batch.messages.length;
      if (seen >= expected) {
        lastAt = meterNow();
        resolveDone();
      }
    },
  });
  await done;
  await consumer.disconnect();
  return { startedAt: firstAt!, endedAt: lastAt };
}

/** kcat (librdkafka, the C client's reference): from its first output line to its exit at the end. */
export async function readWithKcat(brokers: string[], topic: string, expected: number): Promise<TimeWindow> {
  const child = spawnTied('kcat', ['-C', '-b', brokers.join(','), '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%o\n'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let first: number | undefined;
  let last = 0;
  let lines = 0;
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-2000)));
  const rl = createInterface({ input: child.stdout! });
  const closed = new Promise<void>((r) => rl.once('close', r));
  rl.on('line', () => {
    first ??= meterNow();
    last = meterNow();
    lines += 1;
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  await closed;
  if (code !== 0 || lines !== expected || first === undefined) {
    throw new Error(`kcat: expected exit 0 and ${expected} records, got exit ${code} and ${lines}\n${stderr}`);
  }
  return { startedAt: first, endedAt: last };
}

export interface EncodedBatch {
  readonly key: string;
  readonly body: Buffer;
  readonly count: number;
}

/**
 * Encoding + compressing: Avro containers of the daemon's batch size, the same codec, the sha256
 * BatchWriter takes of each body; one chain per partition, all partitions at once (the daemon's
 * concurrency; zlib runs on libuv's pool, so every core it may use is used).
 */
export async function encodeBatches(byPartition: BackupRecord[][], batchEvents: number, codec: AvroCodec): Promise<{ window: TimeWindow; batches: EncodedBatch[] }> {
  const batches: EncodedBatch[] = [];
  const start = meterNow();
  await Promise.all(
    byPartition.map(async (records, partition) => {
      for (let i = 0; i < records.length; i += batchEvents) {
        const slice = records.slice(i, i + batchEvents);
        const key = `events/bench/p${partition}/${i}.avro`;
        const body = await encodeContainer(slice, { codec, seed: key });
        createHash('sha256').update(body).digest('hex');
        batches.push({ key, body, count: slice.length });
      }
    }),
  );
  return { window: { startedAt: start, endedAt: meterNow() }, batches };
}

/** Writing: a plain PutObject loop of the same objects and a manifest-sized object each, at the daemon's concurrency. */
export async function putBatches(client: S3Client, bucket: string, batches: readonly EncodedBatch[], concurrency: number): Promise<TimeWindow> {
  const manifest = Buffer.alloc(700, ' ');
  const queue = new PQueue({ concurrency });
  const start = meterNow();
  await queue.addAll(
    batches.map((b) => async () => {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: `bare/${b.key}`, Body: b.body, ContentType: 'application/avro' }));
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: `bare/${b.key}.json`, Body: manifest, ContentType: 'application/json' }));
    }),
  );
  return { startedAt: start, endedAt: meterNow() };
}

/** The bare stream copy: GET each distinct blob from the source, PutObject it as it arrives, at the pool's concurrency. */
export async function bareStreamPut(
  client: S3Client,
  bucket: string,
  urls: ReadonlyArray<{ url: string; sha256: string; size: number }>,
  concurrency: number,
): Promise<{ window: TimeWindow; bytes: number }> {
  const queue = new PQueue({ concurrency });
  let bytes = 0;
  const start = meterNow();
  await queue.addAll(
    urls.map((blob) => async () => {
      const response = await new Promise<IncomingMessage>((resolve, reject) => httpGet(blob.url, resolve).once('error', reject));
      if (response.statusCode !== 200) throw new Error(`GET ${blob.url}: expected 200, got ${response.statusCode}`);
      // With its sha256 given, the SDK sends the body as it is. Without, it computes a checksum while
      // sending and appends it in an aws-chunked trailer, which s3rver stores as part of the object.
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `bare-streams/${blob.sha256}`,
          Body: response,
          ContentLength: blob.size,
          ChecksumSHA256: Buffer.from(blob.sha256, 'hex').toString('base64'),
        }),
      );
      bytes += blob.size;
    }),
  );
  const window = { startedAt: start, endedAt: meterNow() };
  // The baseline must store what the pool stores: the blob's bytes, nothing around them.
  const first = urls[0];
  if (first) {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: `bare-streams/${first.sha256}` }));
    if (head.ContentLength !== first.size) throw new Error(`bare PutObject loop: expected ${first.size} bytes stored, got ${head.ContentLength}`);
  }
  return { window, bytes };
}

/**
 * The bare producer: the same records, in requests shaped like the restore's (one partition per
 * request, at most `limits.events` records and `limits.bytes` by the restore's own estimate, awaited before the next; partitions at once), with the
 * restore's producer settings (idempotent, acks from all replicas). From the first send to the last ack.
 */
export async function produceBare(
  brokers: string[],
  topic: string,
  byPartition: ReadonlyArray<readonly BackupRecord[]>,
  limits: { events: number; bytes: number },
): Promise<TimeWindow> {
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING, clientId: 'bench-produce' });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: byPartition.length, configEntries: KEEP_OLD_RECORDS }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 8 }, allowAutoTopicCreation: false });
  await producer.connect();
  const start = meterNow();
  await Promise.all(
    byPartition.map(async (records, partition) => {
      let messages: Message[] = [];
      let bytes = 0;
      const send = async () => {
        if (messages.length > 0) await producer.send({ topic, acks: -1, messages });
        messages = [];
        bytes = 0;
      };
      for (const r of records) {
        const size = recordSize(r);
        if (messages.length >= limits.events || bytes + size > limits.bytes) await send();
        // The restore's message for the record (its original-position headers included): the same bytes on the wire.
        messages.push(toRestoredMessage(r, partition).message);
        bytes += size;
      }
      await send();
    }),
  );
  const window = { startedAt: start, endedAt: meterNow() };
  await producer.disconnect();
  return window;
}
