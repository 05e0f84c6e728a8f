import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createEventDecoder, type DecodeOutcome } from '../../../src/events/event-decoder.js';
import { DEFAULT_EVENT_TYPE_MAP, parseEventTypeMap, resolveTypeNames } from '../../../src/config/event-type-map.js';
import { loadSchemaRegistry, type SchemaRegistry } from '../../../src/events/schema-registry.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const corpusDir = path.resolve(repoRoot, '../shared/azul-corpus');
const schemaDir = path.join(corpusDir, 'schemas/v6');
const eventsDir = path.join(corpusDir, 'events');

/** Go's zero `time.Time` in Unix micros: what the platform writes for an absent timestamp. */
const GO_ZERO_TIME_MICROS = -62135596800000000n;

/** RFC 3339 with up to nanosecond digits -> Unix micros, exactly (no float on the fraction). */
function isoToMicros(iso: unknown): bigint {
  if (iso === undefined) return GO_ZERO_TIME_MICROS;
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(String(iso));
  if (match === null) throw new Error(`expected an RFC 3339 timestamp, got ${String(iso)}`);
  const seconds = BigInt(Date.parse(`${match[1]}${match[3]}`) / 1000);
  return seconds * 1_000_000n + BigInt(`${match[2] ?? ''}000000`.slice(0, 6));
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function decodedOrFail(outcome: DecodeOutcome): { typeName: string; value: Json } {
  if (outcome.kind !== 'decoded') throw new Error(`expected a decoded event, got malformed: ${outcome.reason}`);
  return { typeName: outcome.typeName, value: outcome.value as Json };
}

const ALL_EVENT_TYPES = ['BinaryEvent', 'BulkBinaryEvent', 'DeleteEvent', 'BulkDeleteEvent', 'InsertEvent', 'BulkInsertEvent'];

/** Corpus folder -> platform event type (the `*` fallback covers binary actions). */
const FOLDER_EVENT_TYPE: Record<string, string> = { binary: 'enriched', delete: 'delete', insert: 'insert' };
const FOLDER_TYPE: Record<string, string> = { binary: 'BinaryEvent', delete: 'DeleteEvent', insert: 'InsertEvent' };

const avroFiles = existsSync(eventsDir)
  ? readdirSync(eventsDir).flatMap((folder) =>
      readdirSync(path.join(eventsDir, folder))
        .filter((name) => name.endsWith('.avro'))
        .sort()
        .map((name) => ({ folder, name, file: path.join(eventsDir, folder, name) })),
    )
  : [];

function expectedType(folder: string, name: string): string {
  const single = FOLDER_TYPE[folder] ?? 'unknown folder';
  return name.startsWith('bulk.') ? `Bulk${single}` : single;
}

/** Compares one decoded event with its JSON twin on the fields backups and restores rely on. */
function expectMatchesTwin(decoded: Json, json: Json, typeName: string): void {
  expect(decoded['kafka_key']).toBe(json['kafka_key']);
  expect(decoded['model_version']).toBe(BigInt(json['model_version']));
  expect(decoded['timestamp']).toBe(isoToMicros(json['timestamp']));
  if (typeName === 'InsertEvent') {
    expect(decoded['action']).toBeUndefined(); // the schema has no action; the twin has none either
    expect(json['action']).toBeUndefined();
  } else {
    expect(decoded['action']).toBe(json['action']);
  }
  if (typeName === 'BinaryEvent') {
    expect(decoded['source']['name']).toBe(json['source']['name']);
    expect(decoded['source']['timestamp']).toBe(isoToMicros(json['source']['timestamp']));
    const streams = (entries: Json[] | undefined) => (entries ?? []).map((d) => [d['label'], d['sha256']]);
    expect(streams(decoded['entity']['datastreams'])).toEqual(streams(json['entity']['datastreams']));
  }
  if (typeName === 'DeleteEvent') {
    expect(decoded['entity']['reason']).toBe(json['entity']['reason']);
    expect(decoded['entity']['submission']['timestamp']).toBe(isoToMicros(json['entity']['submission']['timestamp']));
    expect(decoded['entity']['author']['timestamp']).toBe(isoToMicros(json['entity']['author']['timestamp']));
  }
  if (typeName === 'InsertEvent') {
    expect(decoded['entity']['original_source']).toBe(json['entity']['original_source']);
    expect(decoded['entity']['child']['sha256']).toBe(json['entity']['child']['sha256']);
  }
}

describe.skipIf(!existsSync(schemaDir) || avroFiles.length === 0)('decoding the azul corpus', () => {
  let registry: SchemaRegistry;
  beforeAll(async () => {
    registry = await loadSchemaRegistry(schemaDir);
  });

  it('has the expected corpus files', () => {
    expect(avroFiles.map((f) => `${f.folder}/${f.name}`)).toEqual(
      expect.arrayContaining(['binary/bulk.json.avro', 'delete/bulk.json.avro', 'insert/bulk.json.avro', 'delete/link.json.avro']),
    );
  });

  it.each(avroFiles)('$folder/$name decodes as its type with the default event type map', ({ folder, name, file }) => {
    const map = parseEventTypeMap(DEFAULT_EVENT_TYPE_MAP);
    if (map.kind !== 'parsed') throw new Error(map.errors.join('\n'));
    const decoder = createEventDecoder(registry, resolveTypeNames(map.map, FOLDER_EVENT_TYPE[folder] ?? '?'));
    const bytes = readFileSync(file);

    const { typeName, value } = decodedOrFail(decoder.decode(bytes));
    expect(typeName).toBe(expectedType(folder, name));

    // Lossless: re-encoding and decoding again gives the same value, longs beyond 2^53 included.
    // (Not always the same bytes: the platform writes map and array blocks with a negative count
    // and a byte size, avsc writes plain counts; both are valid Avro.)
    const type = registry.type(typeName);
    expect(type?.fromBuffer(type.toBuffer(value))).toEqual(value);
    if (folder === 'delete' && !name.startsWith('bulk.')) expect(type?.toBuffer(value).equals(bytes)).toBe(true);
  });

  it.each(avroFiles)('$folder/$name is exactly one of the six event types, whatever the try order', ({ folder, name, file }) => {
    const bytes = readFileSync(file);
    const accepting = ALL_EVENT_TYPES.filter((t) => createEventDecoder(registry, [t]).decode(bytes).kind === 'decoded');
    expect(accepting).toEqual([expectedType(folder, name)]);
    const reversed = createEventDecoder(registry, [...ALL_EVENT_TYPES].reverse());
    expect(decodedOrFail(reversed.decode(bytes)).typeName).toBe(expectedType(folder, name));
  });

  it.each(avroFiles)('$folder/$name matches its JSON twin on key fields', ({ folder, name, file }) => {
    const json = JSON.parse(readFileSync(file.replace(/\.avro$/, ''), 'utf8')) as Json;
    const { typeName, value } = decodedOrFail(createEventDecoder(registry, ALL_EVENT_TYPES).decode(readFileSync(file)));
    const single = FOLDER_TYPE[folder] ?? '?';
    if (name.startsWith('bulk.')) {
      expect(value['model_version']).toBe(BigInt(json['model_version']));
      expect(value['events']).toHaveLength((json['events'] as unknown[]).length);
      (value['events'] as Json[]).forEach((inner, i) => expectMatchesTwin(inner, json['events'][i], single));
    } else {
      expect(typeName).toBe(single);
      expectMatchesTwin(value, json, single);
    }
  });

  it('decodes delete events whose longs lie outside the safe-integer range', () => {
    const decoder = createEventDecoder(registry, ['DeleteEvent', 'BulkDeleteEvent']);
    const unsafe = avroFiles
      .filter((f) => f.folder === 'delete')
      .filter((f) => {
        const { value } = decodedOrFail(decoder.decode(readFileSync(f.file)));
        const events = (value['events'] as Json[] | undefined) ?? [value];
        return events.some(
          (e) => e['entity']['submission']['timestamp'] < BigInt(Number.MIN_SAFE_INTEGER) ||
            e['entity']['author']['timestamp'] < BigInt(Number.MIN_SAFE_INTEGER),
        );
      });
    expect(unsafe.length).toBeGreaterThan(0);

    const { value } = decodedOrFail(decoder.decode(readFileSync(path.join(eventsDir, 'delete/link.json.avro'))));
    expect(value['entity']['submission']['timestamp']).toBe(GO_ZERO_TIME_MICROS);
    expect(typeof value['model_version']).toBe('bigint');
  });

  it('rejects a corpus event with a trailing byte, or one byte short', () => {
    const bytes = readFileSync(path.join(eventsDir, 'delete/author.json.avro'));
    const decoder = createEventDecoder(registry, ['DeleteEvent']);
    expect(decoder.decode(bytes).kind).toBe('decoded');

    const trailing = decoder.decode(Buffer.concat([bytes, Buffer.from([0])]));
    expect(trailing.kind).toBe('malformed');
    expect(trailing.kind === 'malformed' && trailing.reason).toContain('1 trailing bytes');
    expect(trailing.kind === 'malformed' && trailing.code).toBe('EVENT_TRAILING_BYTES');

    const short = decoder.decode(bytes.subarray(0, bytes.length - 1));
    expect(short.kind).toBe('malformed');
  });

  it('survives garbage against every platform type', () => {
    const decoder = createEventDecoder(registry, registry.typeNames);
    for (const bytes of garbage()) {
      const outcome = decoder.decode(bytes);
      expect(['decoded', 'malformed']).toContain(outcome.kind);
    }
  });

  it('refuses unknown type names at construction, listing the known ones', () => {
    expect(() => createEventDecoder(registry, ['BinaryEvent', 'BinaryEvnt'])).toThrow(/"BinaryEvnt".*known names: .*BinaryEvent/);
  });
});

/** Deterministic pseudo-random buffers of many lengths, plus some crafted ones. */
function garbage(): Buffer[] {
  let seed = 0x5eed;
  const next = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed & 0xff;
  };
  const buffers: Buffer[] = [];
  for (let length = 1; length <= 300; length += 1) {
    buffers.push(Buffer.from(Array.from({ length }, next)));
  }
  buffers.push(Buffer.from('not avro at all'), Buffer.alloc(64, 0xff), Buffer.alloc(64, 0x80), Buffer.alloc(5, 0));
  return buffers;
}

describe('createEventDecoder on an inline schema', () => {
  let dir: string;
  let registry: SchemaRegistry;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'streamvault-decoder-'));
    const item = { type: 'record', name: 'Item', fields: [{ name: 's', type: 'string' }, { name: 'n', type: 'long' }] };
    const bulk = { type: 'record', name: 'Bulk', fields: [{ name: 'm', type: 'long' }, { name: 'items', type: { type: 'array', items: 'Item' } }] };
    const flags = { type: 'record', name: 'Flags', fields: [{ name: 'a', type: 'boolean' }, { name: 'tags', type: { type: 'map', values: 'string' } }] };
    const nulls = { type: 'record', name: 'Nulls', fields: [{ name: 'n', type: { type: 'array', items: 'null' } }] };
    await writeFile(path.join(dir, 'types.avsc'), JSON.stringify([item, bulk, flags, nulls]));
    registry = await loadSchemaRegistry(dir);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports null and empty values as malformed with a reason', () => {
    const decoder = createEventDecoder(registry, ['Item']);
    expect(decoder.decode(null)).toEqual({ kind: 'malformed', code: 'EVENT_VALUE_NULL', reason: expect.stringContaining('null') });
    expect(decoder.decode(Buffer.alloc(0))).toEqual({ kind: 'malformed', code: 'EVENT_VALUE_EMPTY', reason: expect.stringContaining('empty') });
  });

  it('takes the first type that consumes every byte', () => {
    const itemBytes = registry.type('Item')?.toBuffer({ s: 'hi', n: 5n }) as Buffer;
    const decoder = createEventDecoder(registry, ['Bulk', 'Item']);
    expect(decoder.decode(itemBytes)).toEqual({ kind: 'decoded', typeName: 'Item', value: expect.objectContaining({ s: 'hi', n: 5n }) });

    const bulkBytes = registry.type('Bulk')?.toBuffer({ m: 1n, items: [{ s: 'a', n: 1n }] }) as Buffer;
    expect(decoder.decode(bulkBytes)).toMatchObject({ kind: 'decoded', typeName: 'Bulk' });
  });

  it('treats trailing bytes as "not this type"', () => {
    const itemBytes = registry.type('Item')?.toBuffer({ s: 'hi', n: 5n }) as Buffer;
    const outcome = createEventDecoder(registry, ['Item']).decode(Buffer.concat([itemBytes, Buffer.from([1, 2])]));
    expect(outcome.kind).toBe('malformed');
    expect(outcome.kind === 'malformed' && outcome.reason).toMatch(/Item: a datum ends after 4 bytes, leaving 2 trailing bytes/);
  });

  it('rejects a huge claimed array count quickly instead of allocating it', () => {
    // model m = 6, then an array block claiming 2^27 items, then nothing: avsc alone spends
    // seconds and gigabytes on this.
    const hostile = Buffer.from([0x0c, ...unsignedVarint(2 ** 28)]);
    const started = performance.now();
    const outcome = createEventDecoder(registry, ['Bulk']).decode(hostile);
    expect(performance.now() - started).toBeLessThan(500);
    expect(outcome.kind).toBe('malformed');
    expect(outcome.kind === 'malformed' && outcome.reason).toContain('block claims 134217728 items');
  });

  it('rejects hostile map counts, negative block sizes and zero-size item floods', () => {
    const cases: Array<[string, Buffer, string]> = [
      ['Flags', Buffer.from([0x00, ...unsignedVarint(2 ** 30)]), 'block claims 536870912 items'],
      ['Bulk', Buffer.from([0x0c, 0x01, ...unsignedVarint(2 ** 40)]), 'block claims 549755813888 bytes'],
      ['Nulls', Buffer.from([...unsignedVarint(2 ** 32), 0x00]), 'zero-byte items'],
    ];
    for (const [typeName, bytes, reason] of cases) {
      const started = performance.now();
      const outcome = createEventDecoder(registry, [typeName]).decode(bytes);
      expect(performance.now() - started).toBeLessThan(500);
      expect(outcome.kind === 'malformed' && outcome.reason).toContain(reason);
    }
  });

  it('rejects a boolean byte other than 0 or 1', () => {
    const outcome = createEventDecoder(registry, ['Flags']).decode(Buffer.from([0x02, 0x00]));
    expect(outcome.kind === 'malformed' && outcome.reason).toContain('$.a: boolean byte is 0x2');
  });

  it('never throws on garbage', () => {
    const decoder = createEventDecoder(registry, registry.typeNames);
    for (const bytes of garbage()) {
      expect(() => decoder.decode(bytes)).not.toThrow();
    }
  });

  it('refuses an empty type list and unknown names at construction', () => {
    expect(() => createEventDecoder(registry, [])).toThrow(/at least one Avro type name/);
    expect(() => createEventDecoder(registry, ['Nope'])).toThrow('known names: Bulk, Flags, Item, Nulls');
  });
});

/** Varint of a non-negative integer as written (zigzag already applied by the caller). */
function unsignedVarint(value: number): number[] {
  const out: number[] = [];
  let n = value;
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}
