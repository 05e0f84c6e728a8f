import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StreamsFile, StreamRecipe } from './generate-samples.js';
import { jsonToBytes, listSamplePairs } from './sample-files.js';

export interface SampleMessage {
  key: Buffer | null;
  value: Buffer;
  /** Milliseconds since the epoch, as a decimal string (what kafkajs takes). */
  timestamp: string;
  headers: Array<{ key: string; value: Buffer | null }>;
  /** Where it came from in testdata, for messages: `samples/sourced/000.avro`. */
  file: string;
}

export interface LoadedPair {
  source: string;
  event: string;
  messages: SampleMessage[];
}

export interface LoadedSamples {
  pairs: LoadedPair[];
  /** Blob recipes by sha256 (see testdata/README.md). */
  streams: Map<string, StreamRecipe>;
}

/** Reads testdata (or a captured copy) into Kafka-ready messages and the blob recipes. */
export async function loadSamples(root: string): Promise<LoadedSamples> {
  const pairs: LoadedPair[] = [];
  for (const pair of await listSamplePairs(root)) {
    const messages: SampleMessage[] = [];
    for (const record of pair.records) {
      messages.push({
        key: jsonToBytes(record.key),
        value: await readFile(join(pair.dir, record.datum)),
        timestamp: record.timestamp,
        headers: record.headers.map((h) => ({ key: h.key, value: jsonToBytes(h.value) })),
        file: `${pair.source}/${pair.event}/${record.datum}`,
      });
    }
    pairs.push({ source: pair.source, event: pair.event, messages });
  }
  const file = JSON.parse(await readFile(join(root, 'streams.json'), 'utf8')) as StreamsFile;
  return { pairs, streams: new Map(file.streams.map((s) => [s.sha256, s])) };
}
