import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type avro from 'avsc';

/**
 * The on-disk format of `testdata/events/` (and of what `run-get-samples.sh` captures):
 *
 *   events/{source}/{event}/records.json   the Kafka records of the pair, in produce order
 *   events/{source}/{event}/NNN.avro       one event value: a raw Avro datum (no container header)
 *   events/{source}/{event}/NNN.json       the same event as JSON (avsc's JSON form of the datum)
 *
 * Keys and header values are UTF-8 text when they are, else `{ "base64": "..." }`.
 */
export interface RecordsFile {
  /** The Avro type each datum was encoded with, e.g. `BinaryEvent`. */
  records: SampleRecord[];
}

export type JsonBytes = string | { base64: string } | null;

export interface SampleRecord {
  /** File name of the value's Avro datum, e.g. `000.avro`; its JSON twin has the same stem. */
  datum: string;
  /** Avro type name of the datum, e.g. `BinaryEvent`. */
  type: string;
  /** The schema generation (subdirectory of schema/) the datum was encoded with; absent in captures of a single schema set. */
  generation?: string;
  key: JsonBytes;
  /** Kafka timestamp, milliseconds since the epoch, as a decimal string. */
  timestamp: string;
  headers: Array<{ key: string; value: JsonBytes }>;
  /** Where a captured record came from (absent for generated samples). */
  origin?: { topic: string; partition: number; offset: string };
}

export interface SamplePair {
  source: string;
  event: string;
  dir: string;
  records: SampleRecord[];
}

export const RECORDS_FILE = 'records.json';

/** Every `events/{source}/{event}/records.json` under `root`, sorted by source then event. */
export async function listSamplePairs(root: string): Promise<SamplePair[]> {
  const eventsDir = join(root, 'events');
  const pairs: SamplePair[] = [];
  for (const source of (await readdir(eventsDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    for (const event of (await readdir(join(eventsDir, source), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
      const dir = join(eventsDir, source, event);
      const parsed = JSON.parse(await readFile(join(dir, RECORDS_FILE), 'utf8')) as RecordsFile;
      pairs.push({ source, event, dir, records: parsed.records });
    }
  }
  return pairs;
}

export function jsonTwinName(datum: string): string {
  return datum.replace(/\.avro$/, '.json');
}

export function bytesToJson(bytes: Buffer | null): JsonBytes {
  if (bytes === null) return null;
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : { base64: bytes.toString('base64') };
}

export function jsonToBytes(value: JsonBytes): Buffer | null {
  if (value === null) return null;
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value.base64, 'base64');
}

/**
 * The JSON twin of a decoded datum: avsc's JSON form (bytes and fixed as code-point strings, longs
 * beyond 2^53 as decimal strings), indented. `jsonTwinToDatum` reverses it exactly.
 */
export function datumToJsonTwin(type: avro.Type, value: unknown): string {
  return `${JSON.stringify(JSON.parse(type.toString(value)), null, 2)}\n`;
}

/** Encodes a JSON twin back into the Avro datum; throws when the JSON does not fit the type. */
export function jsonTwinToDatum(type: avro.Type, text: string): Buffer {
  return type.toBuffer(type.fromString(text));
}
