import { describe, expect, it } from 'vitest';
import { DEFAULT_EVENT_TYPE_MAP, parseEventTypeMap } from '../../../../src/config/event-type-map.js';
import { DEFAULT_REFERENCE_LAYOUT, parseReferenceLayout } from '../../../../src/config/reference-layout.js';
import { configOf, problemOf, valueOf } from '../../../helpers/config-variables.js';

describe('schema variables', () => {
  it("default to no schema (events are not decoded), the platform's type map and its reference layout, parsed", () => {
    const c = configOf();
    expect(c.EVENT_SCHEMA).toBe('');
    const map = parseEventTypeMap(DEFAULT_EVENT_TYPE_MAP);
    const layout = parseReferenceLayout(DEFAULT_REFERENCE_LAYOUT);
    expect(map.kind === 'parsed' && c.EVENT_TYPE_MAP).toEqual(map.kind === 'parsed' && map.map);
    expect(layout.kind === 'parsed' && c.STREAM_REFERENCE_LAYOUT).toEqual(layout.kind === 'parsed' && layout.layout);
  });

  it('take a type map and a layout of their own, parsed', () => {
    const map = parseEventTypeMap('insert=InsertEvent,*=BinaryEvent');
    expect(map.kind).toBe('parsed');
    expect(valueOf('EVENT_TYPE_MAP', 'insert=InsertEvent,*=BinaryEvent')).toEqual(map.kind === 'parsed' && map.map);
    const raw = 'source=source.name; streams=entity.datastreams[]; label=label; sha256=sha256';
    const layout = parseReferenceLayout(raw);
    expect(layout.kind).toBe('parsed');
    expect(valueOf('STREAM_REFERENCE_LAYOUT', raw)).toEqual(layout.kind === 'parsed' && layout.layout);
  });

  it("refuse a bad type map and a bad layout with every one of the parser's problems", () => {
    for (const [key, raw, parsed] of [
      ['EVENT_TYPE_MAP', 'insert,=X', parseEventTypeMap('insert,=X')],
      ['STREAM_REFERENCE_LAYOUT', 'source=; streams=x', parseReferenceLayout('source=; streams=x')],
    ] as const) {
      expect(parsed.kind, raw).toBe('invalid');
      const errors = parsed.kind === 'invalid' ? parsed.errors : [];
      expect(errors.length, raw).toBeGreaterThan(0);
      expect(problemOf(key, raw)).toEqual({ variable: `STREAMVAULT_${key}`, expected: [...new Set(errors)].join('; '), received: JSON.stringify(raw) });
    }
  });
});
