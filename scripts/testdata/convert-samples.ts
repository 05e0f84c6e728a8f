import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SchemaGeneration } from '../../src/events/schema-generations.js';
import { datumToJsonTwin, jsonTwinName, jsonTwinToDatum, type SamplePair } from './sample-files.js';

export type ConvertDirection = 'to-avro' | 'to-json';

/**
 * Rewrites one side of every sample from the other, with the schema generation each record names
 * (`generation` in records.json; the newest when it names none): `to-avro` encodes each JSON
 * twin into its `.avro` datum (after editing the JSON, or when the schema changed), `to-json`
 * renders each datum as its JSON twin. Returns the number of files written; throws on the first
 * sample that does not fit its type, naming it.
 */
export async function convertSamples(pairs: readonly SamplePair[], generations: readonly SchemaGeneration[], direction: ConvertDirection): Promise<number> {
  let written = 0;
  for (const pair of pairs) {
    for (const record of pair.records) {
      const where = `${pair.source}/${pair.event}/${record.datum}`;
      const generation = record.generation === undefined ? generations[0] : generations.find((g) => g.name === record.generation);
      if (generation === undefined) throw new Error(`${where}: expected a schema generation the schema directory holds, got ${record.generation}`);
      const type = generation.registry.type(record.type);
      if (type === undefined) throw new Error(`${where}: expected a type the schema defines, got ${record.type}`);
      const avroPath = join(pair.dir, record.datum);
      const jsonPath = join(pair.dir, jsonTwinName(record.datum));
      try {
        if (direction === 'to-avro') {
          await writeFile(avroPath, jsonTwinToDatum(type, await readFile(jsonPath, 'utf8')));
        } else {
          const datum = await readFile(avroPath);
          const { value, offset } = type.decode(datum, 0);
          if (offset !== datum.length) throw new Error(`expected one complete ${record.type} datum of ${datum.length} bytes, decoding stopped at ${offset}`);
          await writeFile(jsonPath, datumToJsonTwin(type, value));
        }
      } catch (error) {
        throw new Error(`${where}: ${(error as Error).message}`, { cause: error });
      }
      written += 1;
    }
  }
  return written;
}
