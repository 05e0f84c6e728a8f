import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareNatural, loadSchemaGenerations, type SchemaGeneration } from '../../../src/events/schema-generations.js';
import { SchemaLoadError } from '../../../src/events/schema-registry.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const TESTDATA = join(import.meta.dirname, '../../../testdata');

let generations: SchemaGeneration[];

beforeAll(async () => {
  generations = await loadSchemaGenerations(join(TESTDATA, 'schema'));
});

describe('loadSchemaGenerations (issue 12 item 1)', () => {
  it('loads one registry per subdirectory, newest first in natural order, with the version its name carries', async () => {
    expect(generations.map((g) => [g.name, g.version])).toEqual([['v7', 7], ['v6', 6]]);
    // Both define BinaryEvent, differently: one registry could not hold them.
    const fields = (g: SchemaGeneration) => (g.registry.type('BinaryEvent') as unknown as { fields: Array<{ name: string }> }).fields.map((f) => f.name);
    expect(fields(generations[0]!)).toContain('retries');
    expect(fields(generations[1]!)).not.toContain('retries');
    expect(['v9', 'v10', 'v6', 'v7-rc'].sort(compareNatural)).toEqual(['v6', 'v7-rc', 'v9', 'v10']);
  });

  it('reads a directory of schema files, or one file, as a single generation named after it', async () => {
    const flat = await loadSchemaGenerations(join(TESTDATA, 'schema', 'v6'));
    expect(flat.map((g) => [g.name, g.version])).toEqual([['v6', 6]]);
    const dir = makeTempDir('one-file-');
    writeFileSync(join(dir, 'thing.avsc'), JSON.stringify({ type: 'record', name: 'Thing', fields: [{ name: 'a', type: 'string' }] }));
    const file = await loadSchemaGenerations(join(dir, 'thing.avsc'));
    expect(file.map((g) => [g.name, g.version, g.registry.typeNames])).toEqual([['thing', undefined, ['Thing']]]);
  });

  it('refuses a directory with neither schema files nor generation subdirectories, naming what it found', async () => {
    const dir = makeTempDir('no-schema-');
    writeFileSync(join(dir, 'readme.md'), 'nothing here');
    const error = await loadSchemaGenerations(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaLoadError);
    expect((error as Error).message).toMatch(/one subdirectory per schema generation.*found readme\.md/);
    mkdirSync(join(dir, 'v1'));
    await expect(loadSchemaGenerations(dir)).rejects.toThrow(/v1/);
  });
});

describe('compareNatural', () => {
  it('compares digit runs by value, however long, and everything else by code unit', () => {
    expect(['v10', 'v9', 'v1', 'v2'].sort(compareNatural)).toEqual(['v1', 'v2', 'v9', 'v10']);
    expect(compareNatural('v99999999999999999999', 'v100000000000000000000')).toBe(-1);
    expect(compareNatural('b', 'a')).toBe(1);
    expect(compareNatural('V1', 'v1')).toBe(-1);
  });

  it('puts a prefix first, equal strings together, and "07" after "7" (same value) so the order is stable', () => {
    expect(compareNatural('v1', 'v1.1')).toBeLessThan(0);
    expect(compareNatural('v7', 'v7')).toBe(0);
    expect(compareNatural('v07', 'v7')).toBeGreaterThan(0);
    expect(compareNatural('', 'a')).toBeLessThan(0);
  });
});
