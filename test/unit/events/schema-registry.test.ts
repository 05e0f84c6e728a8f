import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterEach, describe, expect, it } from 'vitest';

import { bigintLongType, loadSchemaRegistry, SchemaLoadError } from '../../../src/events/schema-registry.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const corpusDir = path.resolve(repoRoot, '../shared/azul-corpus');
const schemaDir = path.join(corpusDir, 'schemas/v6');

const tempDirs: string[] = [];
afterEach(async () => {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A temp directory holding `files`, removed after the test. */
async function schemaFolder(files: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'streamvault-schema-'));
  tempDirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    await writeFile(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

async function loadError(target: string): Promise<SchemaLoadError> {
  const error = await loadSchemaRegistry(target).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SchemaLoadError);
  return error as SchemaLoadError;
}

const author = { type: 'record', name: 'Author', fields: [{ name: 'name', type: 'string' }] };
const event = {
  type: 'record',
  name: 'Event',
  fields: [
    { name: 'author', type: 'Author' },
    { name: 'count', type: 'long' },
  ],
};

describe.skipIf(!existsSync(schemaDir))('loadSchemaRegistry on the azul v6 schemas', () => {
  it('loads every schema file, including the 2_status.json pseudo-reference', async () => {
    const registry = await loadSchemaRegistry(schemaDir);

    const files = (await readdir(schemaDir)).filter((f) => f.endsWith('.json'));
    expect(files).toContain('2_status.json');
    for (const name of [
      'EventAuthor',
      'EventSource',
      'BinaryEvent',
      'BinaryEntityDatastream',
      'DeleteEvent',
      'InsertEvent',
      'StatusEvent',
      'BulkBinaryEvent',
      'BulkDeleteEvent',
      'BulkInsertEvent',
      'BulkStatusEvent',
    ]) {
      expect(registry.typeNames).toContain(name);
      expect(registry.type(name)?.name).toBe(name);
    }
    expect([...registry.typeNames]).toEqual([...registry.typeNames].sort());
  });

  it('makes StatusEntity.results an array of the very BinaryEvent type, not a new definition', async () => {
    const registry = await loadSchemaRegistry(schemaDir);
    const statusEntity = registry.type('StatusEntity') as unknown as {
      field(name: string): { type: { itemsType: unknown } };
    };
    expect(statusEntity.field('results').type.itemsType).toBe(registry.type('BinaryEvent'));
  });

  it('returns undefined for primitives and unknown names', async () => {
    const registry = await loadSchemaRegistry(schemaDir);
    expect(registry.type('string')).toBeUndefined();
    expect(registry.type('long')).toBeUndefined();
    expect(registry.type('NoSuchEvent')).toBeUndefined();
    expect(registry.typeNames).not.toContain('string');
  });

  it('ignores readme.md in the schema directory', async () => {
    expect(await readdir(schemaDir)).toContain('readme.md');
    await expect(loadSchemaRegistry(schemaDir)).resolves.toBeDefined();
  });
});

describe('loadSchemaRegistry on inline schemas', () => {
  it('resolves a type defined in an earlier file from a later one, in lexical order', async () => {
    const dir = await schemaFolder({ '0_author.avsc': author, '1_event.json': event, 'readme.md': '# not a schema' });
    const registry = await loadSchemaRegistry(dir);

    expect(registry.typeNames).toEqual(['Author', 'Event']);
    const type = registry.type('Event');
    const value = type?.fromBuffer(type.toBuffer({ author: { name: 'ann' }, count: 3n }));
    expect(value).toMatchObject({ author: { name: 'ann' }, count: 3n });
  });

  it('loads lexically, not numerically: 10_ comes before 2_', async () => {
    const dir = await schemaFolder({ '2_author.avsc': author, '10_event.avsc': event });
    const error = await loadError(dir);
    expect(error.file).toBe(path.join(dir, '10_event.avsc'));
    expect(error.message).toContain('10_event.avsc');
    expect(error.message).toContain('undefined type name: Author');
  });

  it('loads a file holding an array of schemas as separate definitions, not a union', async () => {
    const dir = await schemaFolder({ 'all.avsc': [author, event] });
    const registry = await loadSchemaRegistry(dir);
    expect(registry.typeNames).toEqual(['Author', 'Event']);
  });

  it('loads a single schema file given directly', async () => {
    const dir = await schemaFolder({ 'author.avsc': author });
    const registry = await loadSchemaRegistry(path.join(dir, 'author.avsc'));
    expect(registry.typeNames).toEqual(['Author']);
  });

  it('names the file and the reason when a schema is invalid', async () => {
    const broken = { type: 'record', name: 'Broken', fields: [{ name: 'x', type: 'Nope' }] };
    const dir = await schemaFolder({ '0_author.avsc': author, '1_broken.avsc': broken });
    const error = await loadError(dir);
    expect(error.file).toBe(path.join(dir, '1_broken.avsc'));
    expect(error.message).toContain('1_broken.avsc');
    expect(error.message).toContain('undefined type name: Nope');
  });

  it('names the schema within an array file', async () => {
    const dir = await schemaFolder({ 'all.avsc': [author, { type: 'record', name: 'Second', fields: [{ name: 'x' }] }] });
    const error = await loadError(dir);
    expect(error.message).toContain('schema #2 (Second)');
    expect(error.message).toContain('all.avsc');
  });

  it('names the file when it is not JSON', async () => {
    const dir = await schemaFolder({ 'a.avsc': author, 'b.json': '{ "type": "record", ' });
    const error = await loadError(dir);
    expect(error.file).toBe(path.join(dir, 'b.json'));
    expect(error.message).toMatch(/b\.json to hold JSON/);
  });

  it('reports a directory without schema files and a missing path', async () => {
    const empty = await schemaFolder({ 'readme.md': 'hello' });
    expect((await loadError(empty)).message).toContain('found readme.md');
    expect((await loadError(path.join(empty, 'missing'))).message).toContain('Expected an Avro schema file or directory');
  });

  describe('the {"name": X, "type": X} pseudo-reference', () => {
    const holder = (items: unknown) => ({
      type: 'record',
      name: 'Holder',
      fields: [{ name: 'items', type: { type: 'array', items } }],
    });

    it('is read as a reference to the already defined X', async () => {
      const dir = await schemaFolder({ '0.avsc': author, '1.avsc': holder({ name: 'Author', type: 'Author' }) });
      const registry = await loadSchemaRegistry(dir);
      const holderType = registry.type('Holder');
      const bytes = holderType?.toBuffer({ items: [{ name: 'a' }, { name: 'b' }] });
      expect(holderType?.fromBuffer(bytes as Buffer)).toMatchObject({ items: [{ name: 'a' }, { name: 'b' }] });
    });

    it('still rejects a reference to an undefined type', async () => {
      const dir = await schemaFolder({ '1.avsc': holder({ name: 'Missing', type: 'Missing' }) });
      expect((await loadError(dir)).message).toContain('undefined type name: Missing');
    });

    it('still rejects a different name, or extra attributes, as a bad definition', async () => {
      const renamed = await schemaFolder({ '0.avsc': author, '1.avsc': holder({ name: 'Other', type: 'Author' }) });
      expect((await loadError(renamed)).message).toContain('unknown type: "Author"');

      const withFields = await schemaFolder({
        '0.avsc': author,
        '1.avsc': holder({ name: 'Author', type: 'Author', fields: [] }),
      });
      expect((await loadError(withFields)).message).toContain('unknown type: "Author"');
    });
  });
});

describe('Avro long as bigint', () => {
  const schema = {
    type: 'record',
    name: 'Longs',
    fields: [
      { name: 'plain', type: 'long' },
      { name: 'micros', type: { type: 'long', logicalType: 'timestamp-micros' } },
      { name: 'many', type: { type: 'array', items: 'long' } },
    ],
  };

  /** Reference zigzag varint encoding, independent of avsc. */
  function zigzagVarint(value: bigint): number[] {
    let n = value >= 0n ? value << 1n : (-value << 1n) - 1n;
    const out: number[] = [];
    while (n >= 0x80n) {
      out.push(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    out.push(Number(n));
    return out;
  }

  it('round-trips values beyond 2^53 exactly, on the wire format the spec defines', async () => {
    const dir = await schemaFolder({ 'longs.avsc': schema });
    const type = (await loadSchemaRegistry(dir)).type('Longs');
    expect(type).toBeDefined();

    const beyond = 2n ** 53n + 1n;
    const goZeroTime = -62135596800000000n; // Go's zero time.Time in micros: below -2^53
    const extremes = [-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n];
    const value = { plain: beyond, micros: goZeroTime, many: extremes };

    const bytes = type?.toBuffer(value) as Buffer;
    expect([...bytes]).toEqual([
      ...zigzagVarint(beyond),
      ...zigzagVarint(goZeroTime),
      ...zigzagVarint(BigInt(extremes.length)),
      ...extremes.flatMap(zigzagVarint),
      0,
    ]);
    expect(type?.fromBuffer(bytes)).toMatchObject(value);
  });

  it('decodes small longs as bigint too, and encodes safe-integer numbers', () => {
    const bytes = bigintLongType.toBuffer(6);
    expect([...bytes]).toEqual([0x0c]);
    expect(bigintLongType.fromBuffer(bytes)).toBe(6n);
    expect(bigintLongType.isValid(2 ** 53)).toBe(false);
    expect(bigintLongType.isValid(2n ** 63n)).toBe(false);
    expect(bigintLongType.isValid(1.5)).toBe(false);
  });

  it('clones losslessly and renders unsafe values in JSON as decimal strings', () => {
    const big = 2n ** 60n + 7n;
    expect(bigintLongType.clone(big)).toBe(big);
    expect(bigintLongType.toString(big)).toBe(`"${big}"`);
    expect(bigintLongType.toString(42n)).toBe('42');
  });
});
