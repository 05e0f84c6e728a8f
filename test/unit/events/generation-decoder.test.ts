import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_EVENT_TYPE_MAP, PLATFORM_SYSTEM_MODELS, parseEventTypeMap, resolveTypeNames, type EventTypeMap } from '../../../src/config/event-type-map.js';
import { createGenerationDecoder } from '../../../src/events/generation-decoder.js';
import { loadSchemaGenerations, type SchemaGeneration } from '../../../src/events/schema-generations.js';
import { listSamplePairs, type SamplePair } from '../../../scripts/testdata/sample-files.js';

const TESTDATA = join(import.meta.dirname, '../../../testdata');
const CORPUS = join(import.meta.dirname, '../../../../shared/azul-corpus');

let generations: SchemaGeneration[];
let pairs: SamplePair[];
let typeMap: EventTypeMap;

beforeAll(async () => {
  generations = await loadSchemaGenerations(join(TESTDATA, 'schema'));
  pairs = await listSamplePairs(TESTDATA);
  const parsed = parseEventTypeMap(DEFAULT_EVENT_TYPE_MAP);
  if (parsed.kind !== 'parsed') throw new Error('default map does not parse');
  typeMap = parsed.map;
});

const only = (name: string) => generations.filter((g) => g.name === name);

describe('createGenerationDecoder (issue 12 item 1)', () => {
  it('decodes every testdata event of every model with the generation records.json names, using the default type map', async () => {
    const seen = new Set<string>();
    for (const pair of pairs) {
      const decoder = createGenerationDecoder(generations, resolveTypeNames(typeMap, pair.event));
      for (const record of pair.records) {
        const outcome = decoder.decode(await readFile(join(pair.dir, record.datum)));
        expect(outcome, `${pair.source}/${pair.event}/${record.datum}`).toMatchObject({ kind: 'decoded', generation: record.generation, typeName: record.type });
        seen.add(record.type);
      }
    }
    // Every platform model is in the testdata and decodes by default.
    for (const model of PLATFORM_SYSTEM_MODELS) expect(seen.has(model.types[0]), model.event).toBe(true);
    expect(seen.has('BulkPluginEvent')).toBe(true);
  });

  it('tells the generations apart by exact decoding: each generation alone refuses the other\'s binary events', async () => {
    const sourced = pairs.find((p) => p.source === 'testing' && p.event === 'sourced')!;
    const generationsOf = new Set(sourced.records.map((r) => r.generation));
    expect([...generationsOf].sort()).toEqual(['v6', 'v7']);
    const types = resolveTypeNames(typeMap, 'sourced');
    for (const name of ['v6', 'v7']) {
      const decoder = createGenerationDecoder(only(name), types);
      for (const record of sourced.records) {
        const outcome = decoder.decode(await readFile(join(sourced.dir, record.datum)));
        expect(outcome.kind, `${name} on ${record.datum} (${record.generation})`).toBe(record.generation === name ? 'decoded' : 'malformed');
      }
    }
    const v6event = await readFile(join(sourced.dir, sourced.records.find((r) => r.generation === 'v6')!.datum));
    const outcome = createGenerationDecoder(generations, ['BinaryEvent']).decode(Buffer.concat([v6event, Buffer.from([0])]));
    expect(outcome).toMatchObject({ kind: 'malformed', code: 'EVENT_TRAILING_BYTES', reason: expect.stringMatching(/generation v7: .*generation v6: .*trailing/) });
  });

  it('prefers the generation whose version is the event\'s model_version when several decode it exactly', async () => {
    // DeleteEvent is the same in v6 and v7: v7 (tried first) decodes a v6 delete exactly, but its
    // model_version says 6, so v6 wins; with v7 alone it still decodes (the version only breaks ties).
    const deletes = pairs.find((p) => p.event === 'delete')!;
    const datum = await readFile(join(deletes.dir, deletes.records[0]!.datum));
    expect(createGenerationDecoder(generations, ['DeleteEvent']).decode(datum)).toMatchObject({ kind: 'decoded', generation: 'v6' });
    expect(createGenerationDecoder(only('v7'), ['DeleteEvent']).decode(datum)).toMatchObject({ kind: 'decoded', generation: 'v7' });
  });

  it('refuses at construction a type name no generation defines, and skips names a generation lacks', () => {
    expect(() => createGenerationDecoder(generations, ['BinaryEvent', 'BinaryEvnt'])).toThrow(/"BinaryEvnt" defined by no generation \(v7, v6\)/);
    expect(() => createGenerationDecoder(generations, [])).toThrow(/at least one Avro type name/);
    expect(() => createGenerationDecoder([], ['BinaryEvent'])).toThrow(/at least one schema generation/);
  });
});

describe.skipIf(!existsSync(join(CORPUS, 'schemas')))('createGenerationDecoder on the real corpus (../shared/azul-corpus)', () => {
  it('loads schemas/ as its generations and decodes every corpus event with the default map', async () => {
    const corpus = await loadSchemaGenerations(join(CORPUS, 'schemas'));
    // The corpus holds one generation (v6) today; every one it holds is loaded.
    expect(corpus.map((g) => g.name)).toContain('v6');
    for (const g of corpus) for (const model of PLATFORM_SYSTEM_MODELS) expect(g.registry.type(model.types[0]), `${g.name} ${model.types[0]}`).toBeDefined();
    const parsedMap = parseEventTypeMap(DEFAULT_EVENT_TYPE_MAP);
    if (parsedMap.kind !== 'parsed') throw new Error('default map does not parse');
    for (const folder of ['binary', 'insert', 'delete']) {
      const event = folder === 'binary' ? 'sourced' : folder;
      const decoder = createGenerationDecoder(corpus, resolveTypeNames(parsedMap.map, event));
      const { readdir } = await import('node:fs/promises');
      for (const file of (await readdir(join(CORPUS, 'events', folder))).filter((f) => f.endsWith('.avro'))) {
        expect(decoder.decode(await readFile(join(CORPUS, 'events', folder, file))), `${folder}/${file}`).toMatchObject({ kind: 'decoded', generation: 'v6' });
      }
    }
  });
});
