import type { FieldPath, ReferenceAlternative, ReferenceLayout } from '../config/reference-layout.js';
import { describe, normalizeSha256, renderForLog, segmentProblem, type StreamRef } from '../refs/stream-ref.js';

export { isSafeSegment, MAX_SEGMENT_BYTES, renderForLog } from '../refs/stream-ref.js';

/** A stream entry that was not usable. `sha256` is a printable, truncated rendering for logs only. */
export interface RejectedReference {
  reason: string;
  sha256: string;
}

export interface ExtractedReferences {
  /**
   * Unique by (source, label, sha256), in order of first appearance. All three parts are validated
   * as refs/stream-ref.ts defines them (the sha256 lowered first), because downstream code builds S3
   * keys and URLs from them; rendering encodes them as well, the second of two defenses.
   */
  references: StreamRef[];
  rejected: RejectedReference[];
}

/**
 * The streams `event` (an avsc-decoded record or the same event parsed from JSON) references.
 * Never throws; every unusable stream entry lands in `rejected` with the reason.
 */
export function extractStreamReferences(event: unknown, layout: ReferenceLayout): ExtractedReferences {
  const references: StreamRef[] = [];
  const rejected: RejectedReference[] = [];
  const seen = new Set<string>();

  // Bulk items are events; they are not unwrapped again (a bulk of bulks is not a platform shape).
  const wrapped = layout.bulk === undefined ? undefined : resolve(event, layout.bulk);
  const events = Array.isArray(wrapped) ? wrapped : [event];

  events.forEach((event, eventIndex) => {
    const at = Array.isArray(wrapped) ? `${layout.bulk?.join('.')}[${eventIndex}].` : '';
    for (const alternative of layout.alternatives) {
      for (const item of nestedItems(event, at, alternative, rejected)) {
        const streams = resolve(item.value, alternative.streams);
        if (streams === undefined || streams === null) continue;
        const streamsPath = `${item.path}${alternative.streams.join('.')}`;
        if (!Array.isArray(streams)) {
          rejected.push({ reason: `${streamsPath}: expected an array of stream entries, got ${describe(streams)}`, sha256: renderForLog(undefined) });
          continue;
        }
        const from = item.ancestors[alternative.sourceDepth ?? 0]!;
        const source = resolve(from.value, alternative.source);
        const sourceProblem = segmentProblem('source', source);

        streams.forEach((entry: unknown, streamIndex) => {
          const where = `${streamsPath}[${streamIndex}]`;
          const rawSha = resolve(entry, alternative.sha256);
          const sha256 = normalizeSha256(rawSha);
          const label = resolve(entry, alternative.label);
          const problems = [
            sha256 === undefined ? `sha256 ${eventSha256Problem(rawSha)}` : undefined,
            segmentProblem('label', label),
            sourceProblem === undefined ? undefined : `${sourceProblem} (from ${from.path}${alternative.source.join('.')})`,
          ].filter((problem): problem is string => problem !== undefined);

          if (problems.length > 0 || sha256 === undefined || typeof label !== 'string' || typeof source !== 'string') {
            rejected.push({ reason: `${where}: ${problems.join('; ')}`, sha256: renderForLog(rawSha) });
            return;
          }
          // Safe segments cannot contain NUL, so it separates the parts unambiguously.
          const key = `${source}\u0000${label}\u0000${sha256}`;
          if (seen.has(key)) return;
          seen.add(key);
          references.push({ source, label, sha256 });
        });
      }
    }
  });

  return { references, rejected };
}

interface Located {
  readonly value: unknown;
  /** Where it is, as a prefix for log text: `` (the event), `entity.results[2].`. */
  readonly path: string;
}

interface NestedItem extends Located {
  /** The event, then the item of each array of `through` down to this one (`ancestors[depth]`). */
  readonly ancestors: readonly Located[];
}

/**
 * The items `alternative.streams` is read from: the event itself, or every item of the nested
 * arrays of `through`, in order. An absent or null array does not apply (like an absent streams
 * path); anything else that is not an array is rejected with its path.
 */
function nestedItems(event: unknown, at: string, alternative: ReferenceAlternative, rejected: RejectedReference[]): NestedItem[] {
  const root: Located = { value: event, path: at };
  let items: NestedItem[] = [{ ...root, ancestors: [root] }];
  for (const step of alternative.through ?? []) {
    const next: NestedItem[] = [];
    for (const item of items) {
      const array = resolve(item.value, step);
      if (array === undefined || array === null) continue;
      const arrayPath = `${item.path}${step.join('.')}`;
      if (!Array.isArray(array)) {
        rejected.push({ reason: `${arrayPath}: expected an array of nested items, got ${describe(array)}`, sha256: renderForLog(undefined) });
        continue;
      }
      array.forEach((value: unknown, index) => {
        const located: Located = { value, path: `${arrayPath}[${index}].` };
        next.push({ ...located, ancestors: [...item.ancestors, located] });
      });
    }
    items = next;
  }
  return items;
}

/** Own properties only: a path must never reach `__proto__` or prototype getters. */
function resolve(value: unknown, path: FieldPath): unknown {
  let current: unknown = value;
  for (const name of path) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, name)) return undefined;
    current = (current as Record<string, unknown>)[name];
  }
  return current;
}


function eventSha256Problem(value: unknown): string {
  if (typeof value !== 'string') return `expected a string of 64 hex characters, got ${describe(value)}`;
  if (value.length !== 64) return `expected exactly 64 hex characters, got ${value.length} characters`;
  return 'expected only hex characters 0-9 a-f, got others';
}
