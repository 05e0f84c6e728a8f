import type { StreamRef } from '../refs/stream-ref.js';
import type { MalformedEventCode } from './event-decoder.js';
import type { RejectedReference } from './stream-references.js';

/* What the backup asks of one pair's events: src/events/schema-inspector.ts decodes them, src/backup/event-inspector.ts has the one for no schema. */

/** What the daemon learns from one event's value. It never changes what is backed up. */
export type Inspection =
  | { kind: 'tombstone' }
  | {
      kind: 'valid';
      /** The schema generation that decoded it; absent when nothing is decoded (no schema). */
      generation?: string;
      /** Each valid as refs/stream-ref.ts defines it (extractStreamReferences checks them). */
      references: readonly StreamRef[];
      rejected: readonly RejectedReference[];
    }
  | { kind: 'malformed'; code: MalformedEventCode; reason: string };

export interface EventInspector {
  inspect(value: Buffer | null): Inspection;
  /** What decodes this pair's events, for the "most events do not decode" line; absent without a schema. */
  readonly decoding?: DecodingSettings;
}

export interface DecodingSettings {
  /** The pair's event type, as STREAMVAULT_EVENT_TYPE_MAP keys it. */
  readonly eventType: string;
  /** Avro types tried, in order (from STREAMVAULT_EVENT_TYPE_MAP). */
  readonly typeNames: readonly string[];
  /** Whether the pair's event type has its own map entry or falls back to `*`. */
  readonly fromFallback: boolean;
  /** Schema generations tried, newest first (from STREAMVAULT_EVENT_SCHEMA). */
  readonly generations: readonly string[];
}
