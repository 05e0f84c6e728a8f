import { createHash } from 'node:crypto';
import type avro from 'avsc';
import type { BackupRecord } from '../../src/events/backup-record.js';
import { seededRandom as prng } from '../local/seeded-random.js';

/**
 * Benchmark data shaped like the platform's corpus: `BinaryEvent` values (testdata/schema) of
 * 1-3 KB, a third of them referencing one stream, about two thirds of those references naming a
 * blob an earlier event referenced already (enrichment re-references content). Deterministic.
 */
export interface CorpusBlob {
  readonly sha256: string;
  /** Bytes. */
  readonly size: number;
  /** Seed of `generatedChunks(size, seed)` (scripts/local/generated-bytes.ts). */
  readonly seed: number;
}

export interface CorpusMessage {
  readonly partition: number;
  readonly key: Buffer;
  readonly value: Buffer;
  readonly timestamp: string;
  readonly headers: Record<string, Buffer>;
}

export interface Corpus {
  readonly messages: CorpusMessage[];
  /** Distinct blobs the messages reference, in first-reference order. */
  readonly blobs: CorpusBlob[];
  /** Stream references made (duplicates included). */
  readonly references: number;
  /** Bytes of keys + values + headers: what "MB/s" of events counts. */
  readonly payloadBytes: number;
}

export interface CorpusOptions {
  readonly events: number;
  readonly partitions: number;
  /** Share of events that reference a stream. Default 1/3. */
  readonly referencingShare?: number;
  /** Share of references that name a blob referenced before. Default 2/3. */
  readonly duplicateShare?: number;
  /** Size of a new blob, from a uniform draw in [0, 1). */
  readonly blobSize: (draw: number) => number;
  /**
   * sha256 of a new blob. Default: a stand-in hash of the seed (fast), for runs that never
   * fetch the blobs; pass `generatedSha256` when a stream server serves them.
   */
  readonly blobSha256?: (size: number, seed: number) => string;
  /** PRNG seed, so topics of one run differ. */
  readonly seed: number;
  /** First blob seed; give runs that share a stream server disjoint ranges. Default 1. */
  readonly firstBlobSeed?: number;
}

const START_MICROS = 1_740_787_200_000_000n;
const WORDS = ['pe32', 'zip', 'pdf', 'elf64', 'docx', 'text', 'unpacker', 'yara', 'entropy', 'strings', 'imports', 'section'];

export function generateCorpus(type: avro.Type, options: CorpusOptions): Corpus {
  const random = prng(options.seed);
  const referencing = options.referencingShare ?? 1 / 3;
  const duplicate = options.duplicateShare ?? 2 / 3;
  const blobSha = options.blobSha256 ?? ((size: number, seed: number) => createHash('sha256').update(`${size}/${seed}`).digest('hex'));
  // Slices of one random hex pool: drawing every character would make generation the slow part of the bench.
  const pool = Array.from({ length: 1 << 16 }, () => Math.floor(random() * 16).toString(16)).join('');
  const hex = (n: number) => {
    const at = Math.floor(random() * (pool.length - n));
    return pool.slice(at, at + n);
  };
  const blobs: CorpusBlob[] = [];
  let nextSeed = options.firstBlobSeed ?? 1;
  let references = 0;
  let payloadBytes = 0;
  const messages: CorpusMessage[] = [];
  for (let i = 0; i < options.events; i++) {
    const at = START_MICROS + BigInt(i) * 1_000_000n;
    const datastreams: Array<{ label: string; sha256: string; size: number; mime: string }> = [];
    if (random() < referencing) {
      references += 1;
      let blob: CorpusBlob;
      if (blobs.length > 0 && random() < duplicate) blob = blobs[Math.floor(random() * blobs.length)]!;
      else {
        const seed = nextSeed++;
        const size = options.blobSize(random());
        blob = { sha256: blobSha(size, seed), size, seed };
        blobs.push(blob);
      }
      datastreams.push({ label: 'content', sha256: blob.sha256, size: blob.size, mime: 'application/octet-stream' });
    }
    const sha256 = datastreams[0]?.sha256 ?? hex(64);
    const kafkaKey = `samples.sourced.${sha256.slice(0, 16)}.${i}`;
    const event = {
      model_version: 6,
      kafka_key: kafkaKey,
      timestamp: at,
      author: { name: 'submitter', category: 'plugin', version: `1.${i % 10}.${i % 21}` },
      source: {
        name: 'samples',
        references: { campaign: `c-${100 + (i % 900)}`, submitter: 'analyst' },
        path: [{ author: { name: 'unpacker', category: 'plugin', version: '2.1.0' }, action: 'sourced', sha256: hex(64), timestamp: at - 1_000_000n }],
        timestamp: at,
      },
      action: 'sourced',
      entity: {
        sha256,
        size: datastreams[0]?.size ?? 1000 + Math.floor(random() * 100_000),
        file_format: WORDS[i % 6]!,
        features: [] as Array<{ name: string; value: string }>,
        datastreams,
      },
      dequeued: null,
    };
    // Pad with features (words and hex, like real analysis output) to a size in [1, 3] KB: one
    // encode for the bulk, one for the last filler (a feature costs its strings plus 2 length bytes).
    const target = 1024 + Math.floor(random() * 2048);
    let value = type.toBuffer(event);
    const bulk = Math.max(0, Math.floor((target - value.length) / 84) - 1);
    for (let f = 0; f < bulk; f++) {
      const word = WORDS[Math.floor(random() * WORDS.length)]!;
      event.entity.features.push({ name: word, value: `${word}:${hex(64)}`.padEnd(80 - word.length, '.') });
    }
    if (bulk > 0) value = type.toBuffer(event);
    if (value.length < target) {
      event.entity.features.push({ name: 'note', value: hex(Math.max(1, target - value.length - 8)) });
      value = type.toBuffer(event);
    }
    const key = Buffer.from(kafkaKey);
    const headers = { 'content-type': Buffer.from('application/avro'), 'trace-id': Buffer.from(hex(16)) };
    payloadBytes += key.length + value.length + 16 + 12 + 16 + 8;
    messages.push({ partition: i % options.partitions, key, value, timestamp: String(at / 1000n), headers });
  }
  return { messages, blobs, references, payloadBytes };
}

/**
 * The records the daemon builds from the topic (offsets as a single producer to an empty topic
 * assigns them): the input of the encode and write stages, measured alone.
 */
export function corpusRecords(topic: string, corpus: Corpus): BackupRecord[][] {
  const byPartition: BackupRecord[][] = [];
  for (const m of corpus.messages) {
    const list = (byPartition[m.partition] ??= []);
    list.push({
      topic,
      partition: m.partition,
      offset: String(list.length),
      timestamp: BigInt(m.timestamp),
      key: m.key,
      value: m.value,
      headers: Object.entries(m.headers).map(([key, value]) => ({ key, value })),
    });
  }
  return byPartition;
}
