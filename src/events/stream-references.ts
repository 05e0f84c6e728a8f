import type { FieldPath, ReferenceLayout } from '../config/reference-layout.js';
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

  // Every event of the backup passes through here: paths for log text are built only when
  // something is rejected, and the common case allocates little beyond what it returns.
  for (let eventIndex = 0; eventIndex < events.length; eventIndex++) {
    const root: Located = { value: events[eventIndex], parent: undefined, step: undefined, index: Array.isArray(wrapped) ? eventIndex : -1 };
    for (const alternative of layout.alternatives) {
      const items = alternative.through === undefined || alternative.through.length === 0 ? [root] : nestedItems(root, alternative.through, layout, rejected);
      for (const item of items) {
        const streams = resolve(item.value, alternative.streams);
        if (streams === undefined || streams === null) continue;
        const streamsPath = () => `${pathOf(item, layout)}${alternative.streams.join('.')}`;
        if (!Array.isArray(streams)) {
          rejected.push({ reason: `${streamsPath()}: expected an array of stream entries, got ${describe(streams)}`, sha256: renderForLog(undefined) });
          continue;
        }
        const from = ancestorAt(item, alternative.sourceDepth ?? 0);
        const source = resolve(from.value, alternative.source);
        const sourceProblem = segmentProblem('source', source);

        for (let streamIndex = 0; streamIndex < streams.length; streamIndex++) {
          const entry: unknown = streams[streamIndex];
          const rawSha = resolve(entry, alternative.sha256);
          const sha256 = normalizeSha256(rawSha);
          const label = resolve(entry, alternative.label);
          const labelProblem = segmentProblem('label', label);

          if (sha256 === undefined || labelProblem !== undefined || sourceProblem !== undefined || typeof label !== 'string' || typeof source !== 'string') {
            const problems = [
              sha256 === undefined ? `sha256 ${eventSha256Problem(rawSha)}` : undefined,
              labelProblem,
              sourceProblem === undefined ? undefined : `${sourceProblem} (from ${pathOf(from, layout)}${alternative.source.join('.')})`,
            ].filter((problem): problem is string => problem !== undefined);
            rejected.push({ reason: `${streamsPath()}[${streamIndex}]: ${problems.join('; ')}`, sha256: renderForLog(rawSha) });
            continue;
          }
          // Safe segments cannot contain NUL, so it separates the parts unambiguously.
          const key = `${source}\u0000${label}\u0000${sha256}`;
          if (seen.has(key)) continue;
          seen.add(key);
          references.push({ source, label, sha256 });
        }
      }
    }
  }

  return { references, rejected };
}

/**
 * An event or a nested item: its value and how it was reached (its path, for log text, is built
 * from these only when something under it is rejected).
 */
interface Located {
  readonly value: unknown;
  /** The item whose array `step` holds this one; undefined for the event. */
  readonly parent: Located | undefined;
  readonly step: FieldPath | undefined;
  /** Position in that array; for the event, its position in the bulk wrapper (-1: not wrapped). */
  readonly index: number;
}

/** Where `located` is, as a prefix for log text: `` (the event), `events[3].`, `entity.results[2].`. */
function pathOf(located: Located, layout: ReferenceLayout): string {
  if (located.parent === undefined) return located.index < 0 ? '' : `${layout.bulk?.join('.')}[${located.index}].`;
  return `${pathOf(located.parent, layout)}${located.step!.join('.')}[${located.index}].`;
}

/** The event (depth 0) or the item of the depth-th array of `through` that `item` lies in. */
function ancestorAt(item: Located, depth: number): Located {
  const chain: Located[] = [];
  for (let at: Located | undefined = item; at !== undefined; at = at.parent) chain.push(at);
  return chain[chain.length - 1 - depth]!;
}

/**
 * The items `alternative.streams` is read from: every item of the nested arrays of `through`, in
 * order. An absent or null array does not apply (like an absent streams path); anything else that
 * is not an array is rejected with its path.
 */
function nestedItems(root: Located, through: readonly FieldPath[], layout: ReferenceLayout, rejected: RejectedReference[]): Located[] {
  let items: Located[] = [root];
  for (const step of through) {
    const next: Located[] = [];
    for (const item of items) {
      const array = resolve(item.value, step);
      if (array === undefined || array === null) continue;
      if (!Array.isArray(array)) {
        rejected.push({ reason: `${pathOf(item, layout)}${step.join('.')}: expected an array of nested items, got ${describe(array)}`, sha256: renderForLog(undefined) });
        continue;
      }
      for (let index = 0; index < array.length; index++) next.push({ value: array[index], parent: item, step, index });
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
