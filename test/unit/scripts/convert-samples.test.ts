import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSchemaGenerations } from '../../../src/events/schema-generations.js';
import { convertSamples } from '../../../scripts/testdata/convert-samples.js';
import { jsonTwinName, listSamplePairs } from '../../../scripts/testdata/sample-files.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const ROOT = join(import.meta.dirname, '../../../testdata');

describe('convertSamples', () => {
  it.each(['to-avro', 'to-json'] as const)('%s rebuilds deleted files byte for byte from their twins', async (direction) => {
    const copy = makeTempDir('convert-');
    await cp(ROOT, copy, { recursive: true });
    const generations = await loadSchemaGenerations(join(copy, 'schema'));
    const pairs = await listSamplePairs(copy);
    const name = (datum: string) => (direction === 'to-avro' ? datum : jsonTwinName(datum));
    for (const pair of pairs) for (const r of pair.records) await rm(join(pair.dir, name(r.datum)));
    const written = await convertSamples(pairs, generations, direction);
    expect(written).toBe(pairs.reduce((sum, p) => sum + p.records.length, 0));
    for (const pair of pairs) {
      for (const r of pair.records) {
        const original = await readFile(join(ROOT, 'events', pair.source, pair.event, name(r.datum)));
        expect((await readFile(join(pair.dir, name(r.datum)))).equals(original), `${pair.source}/${pair.event}/${name(r.datum)}`).toBe(true);
      }
    }
  });

  it('names the sample whose JSON does not fit its type', async () => {
    const copy = makeTempDir('convert-');
    await cp(ROOT, copy, { recursive: true });
    const generations = await loadSchemaGenerations(join(copy, 'schema'));
    const pairs = (await listSamplePairs(copy)).filter((p) => p.source === 'system' && p.event === 'delete');
    await writeFile(join(pairs[0]!.dir, '000.json'), JSON.stringify({ model_version: 6 }));
    await expect(convertSamples(pairs, generations, 'to-avro')).rejects.toThrow(/system\/delete\/000\.avro/);
  });
});
