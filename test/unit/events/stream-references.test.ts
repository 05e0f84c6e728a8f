import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { beforeAll, describe, expect, it } from 'vitest';

import { createEventDecoder, type EventDecoder } from '../../../src/events/event-decoder.js';
import { loadSchemaRegistry, type SchemaRegistry } from '../../../src/events/schema-registry.js';
import { extractStreamReferences, isSafeSegment, renderForLog } from '../../../src/events/stream-references.js';
import type { StreamRef } from '../../../src/refs/stream-ref.js';
import { defaultLayout, HASH_A, HASH_B, layoutOf, OLD_DEFAULT } from '../../helpers/reference-layouts.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const corpusDir = path.resolve(repoRoot, '../shared/azul-corpus');
const schemaDir = path.join(corpusDir, 'schemas/v6');
const eventsDir = path.join(corpusDir, 'events');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any



/**
 * Expected references from a JSON twin, walked by hand rather than through the layout: binary
 * events carry them in entity.datastreams under source.name, inserts in entity.child.datastreams
 * under entity.original_source, bulk wrappers in events[].
 */
function handWalk(json: Json): StreamRef[] {
  const out: StreamRef[] = [];
  for (const event of (json['events'] as Json[] | undefined) ?? [json]) {
    const binary = (event['entity']?.['datastreams'] as Json[] | undefined) ?? [];
    for (const d of binary) out.push({ source: event['source']['name'], label: d['label'], sha256: String(d['sha256']).toLowerCase() });
    const inserted = (event['entity']?.['child']?.['datastreams'] as Json[] | undefined) ?? [];
    for (const d of inserted) out.push({ source: event['entity']['original_source'], label: d['label'], sha256: String(d['sha256']).toLowerCase() });
  }
  const seen = new Set<string>();
  return out.filter((r) => {
    const key = `${r.source}/${r.label}/${r.sha256}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

const corpusFiles = existsSync(eventsDir)
  ? readdirSync(eventsDir).flatMap((folder) =>
      readdirSync(path.join(eventsDir, folder))
        .filter((name) => name.endsWith('.json.avro'))
        .sort()
        .map((name) => ({ folder, name, avro: path.join(eventsDir, folder, name), json: path.join(eventsDir, folder, name.slice(0, -5)) })),
    )
  : [];

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Json;

describe.skipIf(!existsSync(schemaDir) || corpusFiles.length === 0)('stream references of the azul corpus', () => {
  let registry: SchemaRegistry;
  let decoder: EventDecoder;
  beforeAll(async () => {
    registry = await loadSchemaRegistry(schemaDir);
    decoder = createEventDecoder(registry, ['BinaryEvent', 'BulkBinaryEvent', 'DeleteEvent', 'BulkDeleteEvent', 'InsertEvent', 'BulkInsertEvent']);
  });

  function decode(bytes: Buffer): Json {
    const outcome = decoder.decode(bytes);
    if (outcome.kind !== 'decoded') throw new Error(outcome.reason);
    return outcome.value as Json;
  }

  it.each(corpusFiles)('$folder/$name: decoded references equal those of the JSON twin', ({ avro, json }) => {
    const twin = readJson(json);
    const fromAvro = extractStreamReferences(decode(readFileSync(avro)), defaultLayout);

    expect(fromAvro.rejected).toEqual([]);
    expect(fromAvro.references).toEqual(handWalk(twin));
    expect(extractStreamReferences(twin, defaultLayout)).toEqual(fromAvro);
  });

  it('finds the datastreams the corpus actually holds', () => {
    const augmented = extractStreamReferences(decode(readFileSync(path.join(eventsDir, 'binary/augmented.json.avro'))), defaultLayout);
    // Same blob under two labels: two references, since restore needs both names.
    expect(augmented.references).toEqual([
      { source: 'virustotal', label: 'content', sha256: HASH_A },
      { source: 'virustotal', label: 'deob_js', sha256: HASH_A },
    ]);
    const withStreams = corpusFiles.filter((f) => extractStreamReferences(readJson(f.json), defaultLayout).references.length > 0);
    expect(withStreams.map((f) => `${f.folder}/${f.name}`)).toEqual(
      expect.arrayContaining(['binary/augmented.json.avro', 'binary/extracted.json.avro', 'binary/enriched_w_data.json.avro']),
    );
  });

  it('reads the JSON-only mapped event (a non-content "report" stream)', () => {
    const json = readJson(path.join(eventsDir, 'binary/mapped_w_non_content_data.json'));
    const extracted = extractStreamReferences(json, defaultLayout);
    expect(extracted.references).toEqual([
      { source: 'reporting', label: 'report', sha256: 'f87d5c7a53b0da09533390d7a390f6cd62b9d25856b2ed2b172ac7bb40841e31' },
    ]);
    expect(extracted.references).toEqual(handWalk(json));
  });

  it('unwraps a bulk of real binary events, deduplicating across its events', () => {
    const names = ['augmented', 'extracted', 'augmented_no_extra', 'enriched'];
    const events = names.map((n) => decode(readFileSync(path.join(eventsDir, `binary/${n}.json.avro`))));
    const bulkType = registry.type('BulkBinaryEvent');
    const bytes = bulkType?.toBuffer({ model_version: 6n, events }) as Buffer;

    const decoded = decode(bytes);
    const extracted = extractStreamReferences(decoded, defaultLayout);
    const twin = { events: names.map((n) => readJson(path.join(eventsDir, `binary/${n}.json`))) };
    expect(extracted.references).toEqual(handWalk(twin));
    expect(extracted.references).toHaveLength(2); // content and deob_js of the one blob
  });

  it('reads an insert event\'s child datastreams under entity.original_source', () => {
    const insert = decode(readFileSync(path.join(eventsDir, 'insert/example1.json.avro')));
    const datastream = (decode(readFileSync(path.join(eventsDir, 'binary/augmented.json.avro')))['entity']['datastreams'] as Json[])[0];
    insert['entity']['child']['datastreams'] = [{ ...datastream, sha256: HASH_B.toUpperCase() }];
    const type = registry.type('InsertEvent');
    const roundTripped = decode(type?.toBuffer(insert) as Buffer);

    expect(extractStreamReferences(roundTripped, defaultLayout)).toEqual({
      references: [{ source: 'tasking', label: 'content', sha256: HASH_B }],
      rejected: [],
    });
  });
});

/** A platform-shaped binary event with the given datastreams. */
function binaryEvent(datastreams: unknown[], source: unknown = 'virustotal'): Json {
  return { source: { name: source }, entity: { datastreams } };
}

describe('extractStreamReferences on hostile input', () => {
  it('lower-cases uppercase hex and deduplicates it with the lowercase form', () => {
    const result = extractStreamReferences(
      binaryEvent([
        { label: 'content', sha256: HASH_A.toUpperCase() },
        { label: 'content', sha256: HASH_A },
        { label: 'content', sha256: HASH_B },
      ]),
      defaultLayout,
    );
    expect(result).toEqual({
      references: [
        { source: 'virustotal', label: 'content', sha256: HASH_A },
        { source: 'virustotal', label: 'content', sha256: HASH_B },
      ],
      rejected: [],
    });
  });

  it.each([
    ['a path traversal', '../../etc/passwd', '"../../etc/passwd"', 'got 16 characters'],
    ['63 hex characters', HASH_A.slice(0, 63), JSON.stringify(HASH_A.slice(0, 63)), 'got 63 characters'],
    ['65 hex characters', `${HASH_A}0`, JSON.stringify(`${HASH_A}0`), 'got 65 characters'],
    ['a NUL byte', `${HASH_A.slice(0, 63)}\u0000`, `"${HASH_A.slice(0, 63)}\\u0000"`, 'only hex characters'],
    ['a newline', `${HASH_A.slice(0, 63)}\n`, `"${HASH_A.slice(0, 63)}\\n"`, 'only hex characters'],
    ['a non-hex letter', `${HASH_A.slice(0, 63)}g`, `"${HASH_A.slice(0, 63)}g"`, 'only hex characters'],
    ['an empty string', '', '""', 'got 0 characters'],
    ['a number', 42, '(a number)', 'got a number'],
    ['nothing', undefined, '(missing)', 'got nothing'],
  ])('rejects a sha256 that is %s', (_, sha256, rendered, reason) => {
    const result = extractStreamReferences(binaryEvent([{ label: 'content', sha256 }]), defaultLayout);
    expect(result.references).toEqual([]);
    expect(result.rejected).toEqual([{ reason: expect.stringContaining(reason), sha256: rendered }]);
    expect(result.rejected[0]?.reason).toContain('entity.datastreams[0]');
  });

  it('renders rejected values printable and truncated to 80 characters', () => {
    const long = `${'x'.repeat(100)}`;
    const sneaky = '\u202eevil\r\nINFO forged log line';
    const result = extractStreamReferences(binaryEvent([{ label: 'a', sha256: long }, { label: 'b', sha256: sneaky }]), defaultLayout);
    expect(result.rejected.map((r) => r.sha256)).toEqual([
      `"${'x'.repeat(80)}\\u2026"`,
      '"\\u202eevil\\r\\nINFO forged log line"',
    ]);
    for (const r of result.rejected) expect(r.sha256).toMatch(/^[\x20-\x7e]+$/);
    expect(renderForLog(5n)).toBe('(a bigint)');
  });

  it.each([
    ['..', 'relative path name'],
    ['.', 'relative path name'],
    ['a/b', 'path separator'],
    ['a\\b', 'path separator'],
    ['', 'is empty'],
    ['nul\u0000byte', 'control character'],
    ['tab\there', 'control character'],
    ['del\u007f', 'control character'],
    ['c1\u0085', 'control character'],
    ['lone\ud800', 'lone surrogate'],
    ['x'.repeat(256), '256 UTF-8 bytes'],
    ['é'.repeat(128), '256 UTF-8 bytes'],
  ])('rejects the label %j', (label, reason) => {
    const result = extractStreamReferences(binaryEvent([{ label, sha256: HASH_A }]), defaultLayout);
    expect(result.references).toEqual([]);
    expect(result.rejected).toEqual([{ reason: expect.stringContaining(reason), sha256: JSON.stringify(HASH_A) }]);
    expect(isSafeSegment(label)).toBe(false);
  });

  it('rejects every stream of an event whose source is unsafe or missing', () => {
    for (const source of ['..', 'a/b', '', undefined, 7]) {
      const event = binaryEvent([{ label: 'content', sha256: HASH_A }, { label: 'x', sha256: HASH_B }], source);
      if (source === undefined) event['source'] = {}; // the default parameter would fill it in
      const result = extractStreamReferences(event, defaultLayout);
      expect(result.references).toEqual([]);
      expect(result.rejected).toHaveLength(2);
      expect(result.rejected[0]?.reason).toContain('(from source.name)');
    }
  });

  it.each(['%2e%2e', '%2F', 'with space', 'é'.repeat(127), 'x'.repeat(255), '...', 'content'])(
    'accepts the label %j as is (downstream encodes it)',
    (label) => {
      const result = extractStreamReferences(binaryEvent([{ label, sha256: HASH_A }]), defaultLayout);
      expect(result).toEqual({ references: [{ source: 'virustotal', label, sha256: HASH_A }], rejected: [] });
      expect(isSafeSegment(label)).toBe(true);
    },
  );

  it('keeps the good streams of an event next to the rejected ones', () => {
    const result = extractStreamReferences(
      binaryEvent([{ label: 'content', sha256: HASH_A }, { label: '..', sha256: HASH_B }, { label: 'ok', sha256: 'nope' }]),
      defaultLayout,
    );
    expect(result.references).toEqual([{ source: 'virustotal', label: 'content', sha256: HASH_A }]);
    expect(result.rejected.map((r) => r.reason)).toEqual([
      expect.stringMatching(/^entity\.datastreams\[1\]: label "\.\." is a relative path name/),
      expect.stringMatching(/^entity\.datastreams\[2\]: sha256 expected exactly 64 hex characters, got 4 characters/),
    ]);
  });

  it('reports a datastreams field that is not an array, and never throws on odd shapes', () => {
    expect(extractStreamReferences(binaryEvent('oops' as unknown as unknown[]), defaultLayout).rejected).toEqual([
      { reason: 'entity.datastreams: expected an array of stream entries, got the string "oops"', sha256: '(missing)' },
    ]);
    const odd: unknown[] = [null, undefined, 5, 'text', [], {}, { entity: null }, { events: [null, 3, { entity: { datastreams: [null, 4] } }] }];
    for (const value of odd) expect(() => extractStreamReferences(value, defaultLayout)).not.toThrow();
    expect(extractStreamReferences(JSON.parse('{"__proto__": {"datastreams": [{"label": "a"}]}}'), defaultLayout).references).toEqual([]);
  });

  it('unwraps one bulk level only', () => {
    const inner = binaryEvent([{ label: 'content', sha256: HASH_A }]);
    expect(extractStreamReferences({ events: [inner, inner] }, defaultLayout).references).toHaveLength(1);
    expect(extractStreamReferences({ events: [{ events: [inner] }] }, defaultLayout).references).toEqual([]);
    const rejected = extractStreamReferences({ events: [binaryEvent([{ label: '..', sha256: HASH_A }])] }, defaultLayout).rejected;
    expect(rejected[0]?.reason).toMatch(/^events\[0\]\.entity\.datastreams\[0\]/);
  });
});

/** A platform-shaped status event: its input event and the events its run produced (`entity.results`). */
function statusEvent(input: Json, results: unknown): Json {
  return { kafka_key: 'status.0', entity: { input, status: 'completed', results } };
}

describe('extractStreamReferences in nested arrays (status events)', () => {
  const HASH_C = 'c'.repeat(64);

  it('reads every result\'s datastreams under the result\'s own source.name, and the input\'s under its own', () => {
    const event = statusEvent(binaryEvent([{ label: 'content', sha256: HASH_A }], 'samples'), [
      binaryEvent([{ label: 'content', sha256: HASH_B }, { label: 'text', sha256: HASH_C }], 'samples'),
      binaryEvent([{ label: 'content', sha256: HASH_A }], 'testing'),
    ]);
    expect(extractStreamReferences(event, defaultLayout)).toEqual({
      references: [
        { source: 'samples', label: 'content', sha256: HASH_A },
        { source: 'samples', label: 'content', sha256: HASH_B },
        { source: 'samples', label: 'text', sha256: HASH_C },
        { source: 'testing', label: 'content', sha256: HASH_A },
      ],
      rejected: [],
    });
    // The layout of before nested arrays finds none of them (a status event has no source.name or entity.datastreams).
    expect(extractStreamReferences(event, layoutOf(OLD_DEFAULT)).references).toEqual([]);
  });

  it('skips missing or null results, results without entity or datastreams; rejects a results field that is not an array', () => {
    for (const results of [undefined, null, [], [{}], [{ entity: null }], [{ source: { name: 'x' }, entity: {} }], [null, 3]]) {
      expect(extractStreamReferences(statusEvent({}, results), defaultLayout), JSON.stringify(results)).toEqual({ references: [], rejected: [] });
    }
    expect(extractStreamReferences({ entity: {} }, defaultLayout)).toEqual({ references: [], rejected: [] });
    expect(extractStreamReferences(statusEvent({}, { 0: binaryEvent([{ label: 'content', sha256: HASH_A }]) }), defaultLayout)).toEqual({
      references: [],
      rejected: [{ reason: 'entity.results: expected an array of nested items, got a object', sha256: '(missing)' }],
    });
    expect(extractStreamReferences(statusEvent({}, [binaryEvent('oops' as unknown as unknown[])]), defaultLayout).rejected).toEqual([
      { reason: 'entity.results[0].entity.datastreams: expected an array of stream entries, got the string "oops"', sha256: '(missing)' },
    ]);
  });

  it('rejects invalid hashes, unsafe labels and a missing or unsafe result source as for a binary event, keeping the good streams', () => {
    const event = statusEvent({}, [
      binaryEvent([{ label: 'content', sha256: HASH_A }, { label: 'content', sha256: HASH_A.slice(0, 63) }, { label: '..', sha256: HASH_B }]),
      binaryEvent([{ label: 'content', sha256: HASH_C }], '../etc'),
      { entity: { datastreams: [{ label: 'content', sha256: HASH_B }] } },
    ]);
    const result = extractStreamReferences(event, defaultLayout);
    expect(result.references).toEqual([{ source: 'virustotal', label: 'content', sha256: HASH_A }]);
    expect(result.rejected).toEqual([
      { reason: 'entity.results[0].entity.datastreams[1]: sha256 expected exactly 64 hex characters, got 63 characters', sha256: JSON.stringify(HASH_A.slice(0, 63)) },
      { reason: expect.stringMatching(/^entity\.results\[0\]\.entity\.datastreams\[2\]: label "\.\." is a relative path name/), sha256: JSON.stringify(HASH_B) },
      {
        reason: 'entity.results[1].entity.datastreams[0]: source "../etc" contains a path separator, expected a single segment (from entity.results[1].source.name)',
        sha256: JSON.stringify(HASH_C),
      },
      { reason: 'entity.results[2].entity.datastreams[0]: source expected a string, got nothing (missing) (from entity.results[2].source.name)', sha256: JSON.stringify(HASH_B) },
    ]);
  });

  it('unwraps a bulk of status events, naming the bulk item in rejections and deduplicating across its events', () => {
    const run = (source: string, sha256: string) => statusEvent({}, [binaryEvent([{ label: 'content', sha256 }], source)]);
    const bulk = { events: [run('samples', HASH_A), run('samples', HASH_A.toUpperCase()), run('testing', HASH_B), run('testing', 'nope')] };
    const result = extractStreamReferences(bulk, defaultLayout);
    expect(result.references).toEqual([
      { source: 'samples', label: 'content', sha256: HASH_A },
      { source: 'testing', label: 'content', sha256: HASH_B },
    ]);
    expect(result.rejected).toEqual([
      { reason: 'events[3].entity.results[0].entity.datastreams[0]: sha256 expected exactly 64 hex characters, got 4 characters', sha256: '"nope"' },
    ]);
  });

  it('never reaches prototype properties through a nested array', () => {
    const hostile = JSON.parse('{"entity": {"results": [{"__proto__": {"entity": {"datastreams": [{"label": "a", "sha256": "' + HASH_A + '"}]}}, "source": {"name": "x"}}]}}') as unknown;
    expect(extractStreamReferences(hostile, defaultLayout)).toEqual({ references: [], rejected: [] });
  });
});
