import type { EventInspector } from '../backup/event-inspector.js';
import type { EventDecoder } from './event-decoder.js';
import { extractStreamReferences, type ReferenceLayout } from './stream-references.js';

/** Decodes with the pair's Avro types and extracts the streams the event references. */
export function schemaInspector(decoder: EventDecoder, layout: ReferenceLayout): EventInspector {
  return {
    inspect(value) {
      if (value === null) return { kind: 'tombstone' };
      const outcome = decoder.decode(value);
      if (outcome.kind === 'malformed') return { kind: 'malformed', code: outcome.code, reason: outcome.reason };
      const extracted = extractStreamReferences(outcome.value, layout);
      return { kind: 'valid', references: extracted.references, rejected: extracted.rejected };
    },
  };
}
