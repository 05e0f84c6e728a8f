import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGenerationDecoder } from '../../../src/events/generation-decoder.js';
import { DEFAULT_EVENT_TYPE_MAP, parseEventTypeMap, resolveTypeNames, type EventTypeMap } from '../../../src/config/event-type-map.js';
import { loadSchemaGenerations, type SchemaGeneration } from '../../../src/events/schema-generations.js';
import { extractStreamReferences } from '../../../src/events/stream-references.js';
import { DEFAULT_REFERENCE_LAYOUT, parseReferenceLayout, type ReferenceLayout } from '../../../src/config/reference-layout.js';
import { generatedSha256 } from '../../../scripts/local/generated-bytes.js';
import { generateSamples, type StreamsFile } from '../../../scripts/testdata/generate-samples.js';
import { jsonTwinName, jsonTwinToDatum, listSamplePairs, type SamplePair } from '../../../scripts/testdata/sample-files.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const ROOT = join(import.meta.dirname, '../../../testdata');

let generations: SchemaGeneration[];
let pairs: SamplePair[];
let typeMap: EventTypeMap;
let layout: ReferenceLayout;

beforeAll(async () => {
  generations = await loadSchemaGenerations(join(ROOT, 'schema'));
  pairs = await listSamplePairs(ROOT);
  const map = parseEventTypeMap(DEFAULT_EVENT_TYPE_MAP);
  const parsedLayout = parseReferenceLayout(DEFAULT_REFERENCE_LAYOUT);
  if (map.kind !== 'parsed' || parsedLayout.kind !== 'parsed') throw new Error('defaults do not parse');
  typeMap = map.map;
  layout = parsedLayout.layout;
});

/** Every reference of every sample, decoded the way the daemon decodes them (default settings). */
async function allReferences(): Promise<Array<{ pair: string; source: string; label: string; sha256: string }>> {
  const found = [];
  for (const pair of pairs) {
    const decoder = createGenerationDecoder(generations, resolveTypeNames(typeMap, pair.event));
    for (const record of pair.records) {
      const outcome = decoder.decode(await readFile(join(pair.dir, record.datum)));
      if (outcome.kind !== 'decoded') throw new Error(`${pair.source}/${pair.event}/${record.datum}: ${outcome.reason}`);
      const { references, rejected } = extractStreamReferences(outcome.value, layout);
      expect(rejected).toEqual([]);
      found.push(...references.map((r) => ({ pair: `${pair.source}/${pair.event}`, ...r })));
    }
  }
  return found;
}

describe('testdata', () => {
  it('covers several source/event pairs, including inserts, deletes and a bulk event', () => {
    const ids = pairs.map((p) => `${p.source}/${p.event}`);
    expect(ids).toEqual(
      expect.arrayContaining(['samples/sourced', 'samples/extracted', 'testing/enriched', 'system/insert', 'system/delete', 'system/download', 'system/plugin', 'system/retrohunt', 'system/status']),
    );
    expect(pairs.flatMap((p) => p.records.map((r) => r.type))).toEqual(
      expect.arrayContaining(['BinaryEvent', 'BulkBinaryEvent', 'InsertEvent', 'DeleteEvent', 'DownloadEvent', 'PluginEvent', 'BulkPluginEvent', 'RetrohuntEvent', 'StatusEvent']),
    );
    // Two schema generations on one topic (issue 12): testing/sourced holds v6 and v7 events.
    const sourced = pairs.find((p) => p.source === 'testing' && p.event === 'sourced')!;
    expect(new Set(sourced.records.map((r) => r.generation))).toEqual(new Set(['v6', 'v7']));
  });

  it('decodes with the default event type map as the type records.json names, and the JSON twin encodes to the same bytes', async () => {
    for (const pair of pairs) {
      const decoder = createGenerationDecoder(generations, resolveTypeNames(typeMap, pair.event));
      for (const record of pair.records) {
        const datum = await readFile(join(pair.dir, record.datum));
        const outcome = decoder.decode(datum);
        expect(outcome, `${pair.event}/${record.datum}`).toMatchObject({ kind: 'decoded', typeName: record.type, generation: record.generation });
        const twin = await readFile(join(pair.dir, jsonTwinName(record.datum)), 'utf8');
        const registry = generations.find((g) => g.name === record.generation)!.registry;
        expect(jsonTwinToDatum(registry.type(record.type)!, twin).equals(datum)).toBe(true);
      }
    }
  });

  it('lists every file of each pair directory in records.json', async () => {
    for (const pair of pairs) {
      const files = (await readdir(pair.dir)).filter((f) => f !== 'records.json').sort();
      const listed = pair.records.flatMap((r) => [r.datum, jsonTwinName(r.datum)]).sort();
      expect(files).toEqual(listed);
    }
  });

  it('references only streams whose recipe in streams.json yields bytes with that sha256, with duplicates', async () => {
    const { streams } = JSON.parse(await readFile(join(ROOT, 'streams.json'), 'utf8')) as StreamsFile;
    const recipes = new Map(streams.map((s) => [s.sha256, s]));
    const references = await allReferences();
    expect(references.length).toBeGreaterThan(20);
    for (const ref of references) expect(recipes.has(ref.sha256), `${ref.pair} ${ref.sha256}`).toBe(true);
    for (const recipe of streams) expect(generatedSha256(recipe.size, recipe.seed)).toBe(recipe.sha256);
    // Dedup has something to show: blobs referenced by several events, and under several sources.
    const unique = new Set(references.map((r) => r.sha256));
    expect(unique.size).toBe(streams.length);
    expect(references.length - unique.size).toBeGreaterThan(10);
    const sources = new Map<string, Set<string>>();
    for (const r of references) sources.set(r.sha256, (sources.get(r.sha256) ?? new Set()).add(r.source));
    expect([...sources.values()].some((s) => s.size > 1)).toBe(true);
  });

  it('has status events (one a bulk) whose results reference streams no other event references, under each result\'s source', async () => {
    const references = await allReferences();
    const status = pairs.find((p) => p.source === 'system' && p.event === 'status')!;
    expect(status.records.map((r) => r.type)).toEqual(expect.arrayContaining(['StatusEvent', 'BulkStatusEvent']));
    // Walked by hand from the JSON twins: results[].entity.datastreams[] under results[].source.name.
    const fromResults = [];
    for (const record of status.records) {
      const twin = JSON.parse(await readFile(join(status.dir, jsonTwinName(record.datum)), 'utf8')) as { events?: unknown[] };
      for (const event of (twin.events ?? [twin]) as Array<{ entity: { results: Array<{ source: { name: string }; entity: { datastreams: Array<{ label: string; sha256: string }> } }> } }>) {
        for (const result of event.entity.results) for (const d of result.entity.datastreams) fromResults.push({ source: result.source.name, label: d.label, sha256: d.sha256 });
      }
    }
    expect(new Set(fromResults.map((r) => r.source))).toEqual(new Set(['samples', 'testing']));
    const found = references.filter((r) => r.pair === 'system/status').map(({ source, label, sha256 }) => ({ source, label, sha256 }));
    expect(found).toEqual(expect.arrayContaining(fromResults));
    const elsewhere = new Set(references.filter((r) => r.pair !== 'system/status').map((r) => r.sha256));
    expect(fromResults.filter((r) => !elsewhere.has(r.sha256)).length).toBeGreaterThanOrEqual(4);
  });

  it('keeps a long beyond 2^53 exactly', async () => {
    const deletes = pairs.find((p) => p.source === 'system' && p.event === 'delete')!;
    const decoder = createGenerationDecoder(generations, resolveTypeNames(typeMap, 'delete'));
    const ids = [];
    for (const record of deletes.records) {
      const outcome = decoder.decode(await readFile(join(deletes.dir, record.datum)));
      if (outcome.kind === 'decoded') ids.push((outcome.value as { entity: { tracking_id: bigint } }).entity.tracking_id);
    }
    expect(ids).toContain(9_007_199_254_740_993n);
  });

  it('is exactly what the generator writes (regenerate with `npm run testdata`)', async () => {
    const dir = makeTempDir('testdata-');
    await generateSamples(dir, generations);
    expect(await readFile(join(dir, 'streams.json'), 'utf8')).toBe(await readFile(join(ROOT, 'streams.json'), 'utf8'));
    const fresh = await listSamplePairs(dir);
    expect(fresh.map((p) => [p.source, p.event, p.records])).toEqual(pairs.map((p) => [p.source, p.event, p.records]));
    for (const pair of fresh) {
      const committed = join(ROOT, 'events', pair.source, pair.event);
      for (const record of pair.records) {
        for (const name of [record.datum, jsonTwinName(record.datum)]) {
          expect((await readFile(join(pair.dir, name))).equals(await readFile(join(committed, name))), name).toBe(true);
        }
      }
    }
  });
});
