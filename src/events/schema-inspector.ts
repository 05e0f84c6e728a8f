import type { DecodingSettings, EventInspector } from './event-inspector.js';
import type { GenerationDecoder } from './generation-decoder.js';
import { extractStreamReferences } from './stream-references.js';
import { type ReferenceLayout } from '../config/reference-layout.js';

/** Decodes with the pair's Avro types (every schema generation) and extracts the streams the event references. */
export function schemaInspector(decoder: GenerationDecoder, layout: ReferenceLayout, decoding: DecodingSettings): EventInspector {
  return {
    decoding,
    inspect(value) {
      if (value === null) return { kind: 'tombstone' };
      const outcome = decoder.decode(value);
      if (outcome.kind === 'malformed') return { kind: 'malformed', code: outcome.code, reason: outcome.reason };
      const extracted = extractStreamReferences(outcome.value, layout);
      return { kind: 'valid', generation: outcome.generation, references: extracted.references, rejected: extracted.rejected };
    },
  };
}
