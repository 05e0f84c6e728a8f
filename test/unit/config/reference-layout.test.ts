import { describe, expect, it } from 'vitest';
import { parseReferenceLayout } from '../../../src/config/reference-layout.js';
import { defaultLayout, HASH_A, HASH_B, layoutOf, OLD_DEFAULT } from '../../helpers/reference-layouts.js';
import { extractStreamReferences } from '../../../src/events/stream-references.js';


function errorsOf(text: string): string[] {
  const result = parseReferenceLayout(text);
  if (result.kind !== 'invalid') throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
  return result.errors;
}


/** A binary event as the platform publishes it: its source, and its streams under entity.datastreams. */
function binaryEvent(datastreams: unknown[], source: unknown = 'virustotal'): Record<string, unknown> {
  return { source: { name: source }, entity: { datastreams } };
}

describe('parseReferenceLayout', () => {
  it('parses the platform default', () => {
    expect(defaultLayout).toEqual({
      bulk: ['events'],
      alternatives: [
        { source: ['source', 'name'], streams: ['entity', 'datastreams'], label: ['label'], sha256: ['sha256'] },
        { source: ['entity', 'original_source'], streams: ['entity', 'child', 'datastreams'], label: ['label'], sha256: ['sha256'] },
        { source: ['entity', 'input', 'source', 'name'], streams: ['entity', 'input', 'entity', 'datastreams'], label: ['label'], sha256: ['sha256'] },
        { source: ['source', 'name'], streams: ['entity', 'datastreams'], label: ['label'], sha256: ['sha256'], through: [['entity', 'results']], sourceDepth: 1 },
      ],
    });
  });

  it('parses the default of before nested arrays exactly as before (backup locations store it as this JSON)', () => {
    // What streamvault.json holds for locations written with that default.
    const stored =
      '{"bulk":["events"],"alternatives":[{"source":["source","name"],"streams":["entity","datastreams"],"label":["label"],"sha256":["sha256"]},' +
      '{"source":["entity","original_source"],"streams":["entity","child","datastreams"],"label":["label"],"sha256":["sha256"]}]}';
    expect(JSON.stringify(layoutOf(OLD_DEFAULT))).toBe(stored);
    // The new default starts with those alternatives, unchanged.
    expect(JSON.stringify(defaultLayout.alternatives.slice(0, 2))).toBe(JSON.stringify(layoutOf(OLD_DEFAULT).alternatives));
  });

  it('reads nested arrays, with the source from the event or from any level of nesting', () => {
    const deep = { origin: 'top', a: [{ src: 'mid', b: [{ name: 'low', c: [{ l: 'x', h: HASH_A }] }] }] };
    const refs = (source: string) => extractStreamReferences(deep, layoutOf(`source=${source}; streams=a[].b[].c[]; label=l; sha256=h`)).references;
    expect(refs('origin')).toEqual([{ source: 'top', label: 'x', sha256: HASH_A }]);
    expect(refs('a[].src')).toEqual([{ source: 'mid', label: 'x', sha256: HASH_A }]);
    expect(refs('a[].b[].name')).toEqual([{ source: 'low', label: 'x', sha256: HASH_A }]);
    expect(layoutOf('source=a[].b[].name; streams=a[].b[].c[]; label=l; sha256=h').alternatives[0]).toEqual({
      source: ['name'],
      streams: ['c'],
      label: ['l'],
      sha256: ['h'],
      through: [['a'], ['b']],
      sourceDepth: 2,
    });
  });

  it('reads a custom layout without bulk unwrapping', () => {
    const layout = layoutOf('source=meta.origin;streams=blobs[];label=kind;sha256=digest.value');
    expect(layout.bulk).toBeUndefined();
    const event = { meta: { origin: 'feed' }, blobs: [{ kind: 'raw', digest: { value: HASH_B } }], events: [binaryEvent([{ label: 'x', sha256: HASH_A }])] };
    expect(extractStreamReferences(event, layout).references).toEqual([{ source: 'feed', label: 'raw', sha256: HASH_B }]);
  });

  it.each([
    ['', 'empty segment'],
    ['source=a', 'missing key "streams"'],
    ['source=a;streams=b;label=c;sha256=d', 'streams expected a dotted field path ending in "[]"'],
    ['source=a[];streams=b[];label=c;sha256=d', 'source expected a dotted field path without "[]"'],
    ['source=a..b;streams=b[];label=c;sha256=d', 'got "a..b"'],
    ['source=a;streams=b[];label=c;sha256=d;colour=red', 'unknown key "colour"'],
    ['source=a;source=b;streams=b[];label=c;sha256=d', 'appears twice'],
    ['source=a;streams=b[];label;sha256=d', 'expected `key=path`, got "label"'],
    ['bulk=events[]; source=a', '`bulk=<path>[]` alone'],
    ['bulk=events', 'bulk expected a dotted field path ending in "[]"'],
    ['bulk=events[]', 'at least one alternative'],
    ['bulk=a[] | bulk=b[] | source=a;streams=b[];label=c;sha256=d', 'at most one bulk segment'],
    ['source=a;streams=b[];label=c;sha256=d |', 'segment 2 "": expected'],
    ['source=x[].name;streams=r[].d[];label=c;sha256=d', 'source expected a dotted field path without "[]" (e.g. source.name), or one starting with arrays the streams path goes through (r[].), got "x[].name"'],
    ['source=r[].name;streams=d[];label=c;sha256=d', 'or one starting with arrays the streams path goes through (it goes through none)'],
    ['source=r[].s[].name;streams=r[].d[];label=c;sha256=d', 'got "r[].s[].name"'],
    ['source=r[];streams=r[].d[];label=c;sha256=d', 'source expected a dotted field path without "[]"'],
    ['source=a;streams=r[][];label=c;sha256=d', 'streams expected a dotted field path ending in "[]"'],
    ['source=a;streams=r[].[];label=c;sha256=d', 'got "r[].[]"'],
    ['source=a;streams=r[]d[];label=c;sha256=d', 'got "r[]d[]"'],
    ['source=a;streams=r[].d[];label=e[].c;sha256=d', 'label expected a dotted field path without "[]" (e.g. source.name), got "e[].c" (relative to a stream entry)'],
    ['bulk=a[].b[] | source=a;streams=b[];label=c;sha256=d', 'bulk expected a dotted field path ending in "[]"'],
  ])('rejects %j', (text, message) => {
    expect(errorsOf(text).join('\n')).toContain(message);
  });

  it('reports every problem at once, naming the segment', () => {
    const errors = errorsOf('bulk=x | source=a;streams=b | label=c');
    expect(errors.length).toBeGreaterThanOrEqual(4);
    expect(errors[0]).toMatch(/^segment 1 "bulk=x": bulk expected/);
    expect(errors.some((e) => e.startsWith('segment 2') && e.includes('"b"'))).toBe(true);
    expect(errors.some((e) => e.startsWith('segment 3') && e.includes('missing key "source"'))).toBe(true);
  });
});
