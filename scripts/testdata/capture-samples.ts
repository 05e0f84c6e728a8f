import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import type { GenerationDecoder } from '../../src/events/generation-decoder.js';
import type { SchemaGeneration } from '../../src/events/schema-generations.js';
import { bytesToJson, datumToJsonTwin, jsonTwinName, RECORDS_FILE, type RecordsFile, type SampleRecord } from './sample-files.js';

export interface CaptureOptions {
  kafka: Kafka;
  topic: string;
  source: string;
  event: string;
  /** How many events to keep: the most recent ones. */
  count: number;
  /** The samples root (`testdata`); the pair's directory under `events/` is replaced. */
  root: string;
  /** The schema generations the decoder was built from (each event's JSON twin is rendered with its own). */
  generations: readonly SchemaGeneration[];
  decoder: GenerationDecoder;
  /** Give up waiting for the topic's records after this long, in milliseconds. */
  timeoutMs: number;
  log: (line: string) => void;
}

export interface CaptureResult {
  captured: number;
  /** Values the schema could not decode: not written (a sample must decode). */
  skipped: number;
  dir: string;
}

interface Captured {
  partition: number;
  offset: bigint;
  timestamp: string;
  key: Buffer | null;
  value: Buffer;
  headers: Array<{ key: string; value: Buffer | null }>;
}

/**
 * Reads the latest `count` records of every partition of `topic` (without committing anything:
 * a throwaway consumer group), keeps the `count` most recent overall, and writes them in the
 * testdata format. Nothing is written when the topic holds no decodable event.
 */
export async function captureSamples(options: CaptureOptions): Promise<CaptureResult> {
  const { kafka, topic, count } = options;
  const admin = kafka.admin();
  await admin.connect();
  let ends: Array<{ partition: number; low: bigint; high: bigint }>;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    ends = offsets.map((o) => ({ partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) })).filter((o) => o.high > o.low);
  } finally {
    await admin.disconnect();
  }
  const dir = join(options.root, 'events', options.source, options.event);
  if (ends.length === 0) {
    options.log(`${topic}: empty, nothing captured`);
    return { captured: 0, skipped: 0, dir };
  }

  const starts = new Map(ends.map((e) => [e.partition, e.high - BigInt(count) > e.low ? e.high - BigInt(count) : e.low]));
  const remaining = new Set(ends.map((e) => e.partition));
  const highs = new Map(ends.map((e) => [e.partition, e.high]));
  const records: Captured[] = [];
  // The seek below may deliver a few records twice (fetched before it took effect).
  const seen = new Set<string>();
  const consumer = kafka.consumer({ groupId: `streamvault-samples-${process.pid}-${Date.now()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Expected to read ${topic} up to its end offsets within ${options.timeoutMs} ms; partitions ${[...remaining].join(', ')} did not get there`)),
        options.timeoutMs,
      );
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const high = highs.get(partition);
            const offset = BigInt(message.offset);
            if (high === undefined || offset >= high) return;
            const id = `${partition}/${offset}`;
            if (offset >= (starts.get(partition) ?? 0n) && message.value !== null && !seen.has(id)) {
              seen.add(id);
              const headers: Captured['headers'] = [];
              for (const [key, value] of Object.entries(message.headers ?? {})) {
                for (const item of Array.isArray(value) ? value : [value]) {
                  headers.push({ key, value: item === undefined ? null : Buffer.from(item) });
                }
              }
              records.push({ partition, offset, timestamp: message.timestamp, key: message.key, value: message.value, headers });
            }
            if (offset === high - 1n) {
              remaining.delete(partition);
              if (remaining.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            }
          },
        })
        .catch(reject);
      // Jump straight to the last `count` records of each partition once assigned.
      consumer.on(consumer.events.GROUP_JOIN, () => {
        for (const [partition, start] of starts) consumer.seek({ topic, partition, offset: start.toString() });
      });
    });
    await done;
  } finally {
    await consumer.disconnect();
  }

  records.sort((a, b) => Number(BigInt(a.timestamp) - BigInt(b.timestamp)) || a.partition - b.partition || Number(a.offset - b.offset));
  const chosen = records.slice(-count);

  await mkdir(dir, { recursive: true });
  for (const name of await readdir(dir)) {
    if (name === RECORDS_FILE || /^\d+\.(avro|json)$/.test(name)) await rm(join(dir, name));
  }
  const written: SampleRecord[] = [];
  let skipped = 0;
  for (const record of chosen) {
    const outcome = options.decoder.decode(record.value);
    if (outcome.kind !== 'decoded') {
      skipped += 1;
      options.log(`${topic} partition ${record.partition} offset ${record.offset}: skipped, does not decode: ${outcome.reason}`);
      continue;
    }
    const datum = `${String(written.length).padStart(3, '0')}.avro`;
    const type = options.generations.find((g) => g.name === outcome.generation)!.registry.type(outcome.typeName)!;
    await writeFile(join(dir, datum), record.value);
    await writeFile(join(dir, jsonTwinName(datum)), datumToJsonTwin(type, outcome.value));
    written.push({
      datum,
      type: outcome.typeName,
      ...(options.generations.length > 1 ? { generation: outcome.generation } : {}),
      key: bytesToJson(record.key),
      timestamp: record.timestamp,
      headers: record.headers.map((h) => ({ key: h.key, value: bytesToJson(h.value) })),
      origin: { topic, partition: record.partition, offset: record.offset.toString() },
    });
  }
  const file: RecordsFile = { records: written };
  await writeFile(join(dir, RECORDS_FILE), `${JSON.stringify(file, null, 2)}\n`);
  return { captured: written.length, skipped, dir };
}
