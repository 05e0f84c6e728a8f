import { describe, expect, it } from 'vitest';
import { parseReferenceLayout, type ReferenceLayout } from '../../../src/config/reference-layout.js';
import type { DecodingSettings } from '../../../src/events/event-inspector.js';
import type { GenerationDecodeOutcome, GenerationDecoder } from '../../../src/events/generation-decoder.js';
import { schemaInspector } from '../../../src/events/schema-inspector.js';

const HASH = 'ee303d3c6d7cfa24d42e6348bdd1103a26de77a887e9dbee3dd1fe6304414f69';
const parsed = parseReferenceLayout('source=source.name; streams=entity.datastreams[]; label=label; sha256=sha256');
if (parsed.kind !== 'parsed') throw new Error('layout does not parse');
const layout: ReferenceLayout = parsed.layout;
const decoding: DecodingSettings = { eventType: 'sourced', typeNames: ['BinaryEvent'], fromFallback: true, generations: ['v7', 'v6'] };

/** A decoder that answers each value (by its text) with a given outcome, and records what it was asked. */
function fakeDecoder(outcomes: Record<string, GenerationDecodeOutcome>): GenerationDecoder & { asked: Array<Buffer | null> } {
  const asked: Array<Buffer | null> = [];
  return {
    generations: ['v7', 'v6'],
    asked,
    decode(value) {
      asked.push(value);
      return outcomes[value!.toString()]!;
    },
  };
}

describe('schemaInspector', () => {
  it('extracts the stream references of a decoded event, keeping the generation that decoded it and the refused streams', () => {
    const event = { source: { name: 'virustotal' }, entity: { datastreams: [{ label: 'content', sha256: HASH.toUpperCase() }, { label: 'content', sha256: 'not-a-hash' }] } };
    const decoder = fakeDecoder({ event: { kind: 'decoded', generation: 'v6', typeName: 'BinaryEvent', value: event } });
    const inspection = schemaInspector(decoder, layout, decoding).inspect(Buffer.from('event'));
    expect(inspection).toMatchObject({ kind: 'valid', generation: 'v6', references: [{ source: 'virustotal', label: 'content', sha256: HASH }] });
    expect(inspection.kind === 'valid' && inspection.rejected).toHaveLength(1);
    expect(inspection.kind === 'valid' && inspection.rejected[0]!.reason).toMatch(/sha256/);
  });

  it("passes a malformed outcome on with its code and reason, and takes a tombstone as one without asking the decoder", () => {
    const decoder = fakeDecoder({ bad: { kind: 'malformed', code: 'EVENT_NOT_DECODABLE', reason: 'no schema generation decodes it' } });
    const inspector = schemaInspector(decoder, layout, decoding);
    expect(inspector.inspect(Buffer.from('bad'))).toEqual({ kind: 'malformed', code: 'EVENT_NOT_DECODABLE', reason: 'no schema generation decodes it' });
    expect(inspector.inspect(null)).toEqual({ kind: 'tombstone' });
    expect(decoder.asked.map((v) => v?.toString())).toEqual(['bad']);
  });

  it('says what decodes the pair (for the "most events do not decode" line)', () => {
    expect(schemaInspector(fakeDecoder({}), layout, decoding).decoding).toBe(decoding);
  });
});
