import avro from 'avsc';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_EVENT_TYPE_MAP, listTypeNames, parseEventTypeMap } from '../../../src/config/event-type-map.js';
import { defaultLayout, layoutOf } from '../../helpers/reference-layouts.js';
import { createEventDecoder } from '../../../src/events/event-decoder.js';
import { createGenerationDecoder, type GenerationDecoder } from '../../../src/events/generation-decoder.js';
import { referenceReaderType } from '../../../src/events/reference-reader.js';
import { loadSchemaGenerations } from '../../../src/events/schema-generations.js';
import { loadSchemaRegistry } from '../../../src/events/schema-registry.js';
import { extractStreamReferences } from '../../../src/events/stream-references.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const corpusDir = path.resolve(repoRoot, '../shared/azul-corpus');

const platformLayout = defaultLayout;

function avroFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) return avroFilesUnder(file);
      return name.endsWith('.avro') ? [file] : [];
    });
}

async function decoders(schemaDir: string): Promise<{ whole: GenerationDecoder; pruned: GenerationDecoder }> {
  const generations = await loadSchemaGenerations(schemaDir);
  const map = parseEventTypeMap(DEFAULT_EVENT_TYPE_MAP);
  if (map.kind !== 'parsed') throw new Error('the default event type map does not parse');
  const names = listTypeNames(map.map).filter((name) => generations.some((g) => g.registry.type(name) !== undefined));
  return {
    whole: createGenerationDecoder(generations, names),
    pruned: createGenerationDecoder(generations, names, { readerOf: (writer) => referenceReaderType(writer, platformLayout) }),
  };
}

/** What the backup takes from an event: its outcome, generation, type, and the references found in it. */
function inspected(decoder: GenerationDecoder, value: Buffer): unknown {
  const outcome = decoder.decode(value);
  if (outcome.kind === 'malformed') return outcome;
  return { generation: outcome.generation, typeName: outcome.typeName, ...extractStreamReferences(outcome.value, platformLayout) };
}

function expectSameInspection(files: readonly string[], whole: GenerationDecoder, pruned: GenerationDecoder): void {
  let withReferences = 0;
  for (const file of files) {
    const value = readFileSync(file);
    const expected = inspected(whole, value);
    expect(inspected(pruned, value), file).toEqual(expected);
    // Damaged copies are judged the same way (the scan reads the writer type either way).
    expect(inspected(pruned, value.subarray(0, value.length - 1)), `${file} less its last byte`).toEqual(inspected(whole, value.subarray(0, value.length - 1)));
    expect(inspected(pruned, Buffer.concat([value, Buffer.from([0])])), `${file} with a byte more`).toEqual(inspected(whole, Buffer.concat([value, Buffer.from([0])])));
    if ((expected as { references?: unknown[] }).references?.length) withReferences += 1;
  }
  expect(withReferences, 'events with stream references among the files').toBeGreaterThan(0);
}

describe('the reference reader type', () => {
  it('finds the same generation, type and stream references as the whole type in every event of testdata', async () => {
    const files = avroFilesUnder(path.join(repoRoot, 'testdata/events'));
    expect(files.length).toBeGreaterThan(10);
    const { whole, pruned } = await decoders(path.join(repoRoot, 'testdata/schema'));
    expectSameInspection(files, whole, pruned);
  });

  it.skipIf(!existsSync(path.join(corpusDir, 'events')))('finds the same in every event of the real platform corpus (../shared/azul-corpus)', async () => {
    const files = avroFilesUnder(path.join(corpusDir, 'events'));
    const { whole, pruned } = await decoders(path.join(corpusDir, 'schemas'));
    expectSameInspection(files, whole, pruned);
  });

  it('keeps only the fields the layout reads: a sourced event decodes to its source name and its streams labels and hashes', async () => {
    const registry = await loadSchemaRegistry(path.join(repoRoot, 'testdata/schema/v6'));
    const writer = registry.type('BinaryEvent')!;
    const reader = referenceReaderType(writer, platformLayout);
    const file = avroFilesUnder(path.join(repoRoot, 'testdata/events/samples/sourced'))[0]!;
    const whole = writer.decode(readFileSync(file), 0).value as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const pruned = reader.decode(readFileSync(file), 0, reader.createResolver(writer));
    expect(pruned.offset).toBe(readFileSync(file).length);
    expect(pruned.value).toEqual({
      model_version: whole['model_version'],
      source: { name: whole['source']['name'] },
      entity: { datastreams: (whole['entity']['datastreams'] as Array<Record<string, unknown>>).map((d) => ({ label: d['label'], sha256: d['sha256'] })) },
    });
  });

  it('keeps, of a record used in several places, the fields every place reads; and reads recursive types', () => {
    const writer = avro.Type.forSchema({
      type: 'record',
      name: 'Node',
      fields: [
        { name: 'model_version', type: 'int' },
        { name: 'origin', type: ['null', { type: 'record', name: 'Origin', fields: [{ name: 'name', type: 'string' }, { name: 'host', type: 'string' }, { name: 'note', type: 'string' }] }] },
        { name: 'owner', type: { type: 'record', name: 'Owner', fields: [{ name: 'team', type: 'string' }, { name: 'mail', type: 'string' }] } },
        {
          name: 'files',
          type: { type: 'array', items: { type: 'record', name: 'Entry', fields: [{ name: 'kind', type: 'string' }, { name: 'hash', type: 'string' }, { name: 'digest', type: 'string' }, { name: 'size', type: 'long' }] } },
        },
        { name: 'more', type: { type: 'array', items: 'Entry' } },
        { name: 'children', type: { type: 'array', items: 'Node' } },
      ],
    });
    const layout = layoutOf(
      'source=origin.name; streams=files[]; label=kind; sha256=hash | source=origin.host; streams=more[]; label=kind; sha256=digest | source=children[].origin.name; streams=children[].files[]; label=kind; sha256=hash' +
        ' | source=owner.team; streams=children[].more[]; label=kind; sha256=hash',
    );
    const reader = referenceReaderType(writer, layout);
    const schema = JSON.stringify(reader.schema());
    expect(schema).toContain('{"name":"Origin","type":"record","fields":[{"name":"name","type":"string"},{"name":"host","type":"string"}]}');
    expect(schema).toContain('{"name":"Entry","type":"record","fields":[{"name":"kind","type":"string"},{"name":"hash","type":"string"},{"name":"digest","type":"string"}]}');
    expect(schema).toContain('{"name":"Owner","type":"record","fields":[{"name":"team","type":"string"}]}');

    const sha = (c: string) => c.repeat(64);
    const entry = (kind: string, c: string) => ({ kind, hash: sha(c), digest: sha(c === 'a' ? 'b' : 'c'), size: 5 });
    const node = {
      model_version: 1,
      origin: { name: 'samples', host: 'mirror', note: 'x' },
      owner: { team: 'intel', mail: 'm' },
      files: [entry('content', 'a')],
      more: [entry('safe', 'a')],
      children: [{ model_version: 1, origin: { name: 'child', host: 'h', note: '' }, owner: { team: 't', mail: '' }, files: [entry('content', 'd')], more: [entry('unpacked', 'e')], children: [] }],
    };
    const bytes = writer.toBuffer(node);
    const decoded = reader.decode(bytes, 0, reader.createResolver(writer));
    expect(decoded.offset).toBe(bytes.length);
    expect(extractStreamReferences(decoded.value, layout)).toEqual(extractStreamReferences(writer.fromBuffer(bytes), layout));
    expect(extractStreamReferences(decoded.value, layout).references).toEqual([
      { source: 'samples', label: 'content', sha256: sha('a') },
      { source: 'mirror', label: 'safe', sha256: sha('b') },
      { source: 'child', label: 'content', sha256: sha('d') },
      { source: 'intel', label: 'unpacked', sha256: sha('e') },
    ]);
  });

  it('reads a union of two records (avsc wraps it: the layout names the branch) whole', () => {
    const entry = { type: 'record', name: 'Entry', fields: [{ name: 'label', type: 'string' }, { name: 'sha256', type: 'string' }, { name: 'size', type: 'long' }] } as avro.Schema;
    const writer = avro.Type.forSchema({
      type: 'record',
      name: 'Event',
      fields: [
        { name: 'source', type: 'string' },
        {
          name: 'entity',
          type: [
            { type: 'record', name: 'Binary', fields: [{ name: 'datastreams', type: { type: 'array', items: entry } }, { name: 'note', type: 'string' }] },
            { type: 'record', name: 'Other', fields: [{ name: 'note', type: 'string' }] },
          ],
        },
      ],
    });
    const layout = layoutOf('source=source; streams=entity.Binary.datastreams[]; label=label; sha256=sha256');
    const reader = referenceReaderType(writer, layout);
    const bytes = writer.toBuffer({ source: 'samples', entity: { Binary: { datastreams: [{ label: 'content', sha256: 'a'.repeat(64), size: 1 }], note: '' } } });
    const decoded = reader.decode(bytes, 0, reader.createResolver(writer));
    expect(decoded.offset).toBe(bytes.length);
    expect(extractStreamReferences(decoded.value, layout).references).toEqual([{ source: 'samples', label: 'content', sha256: 'a'.repeat(64) }]);
  });

  it('falls back to the whole type when a reader cannot be made', async () => {
    const registry = await loadSchemaRegistry(path.join(repoRoot, 'testdata/schema/v6'));
    const decoder = createEventDecoder(registry, ['BinaryEvent'], {
      readerOf: () => {
        throw new Error('no reader');
      },
    });
    const file = avroFilesUnder(path.join(repoRoot, 'testdata/events/samples/sourced'))[0]!;
    const outcome = decoder.decode(readFileSync(file));
    expect(outcome.kind).toBe('decoded');
    expect(outcome.kind === 'decoded' && (outcome.value as { source: Record<string, unknown> }).source['timestamp']).toBeDefined();
  });
});
