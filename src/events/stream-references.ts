/**
 * A content blob ("stream") an event refers to. All three parts are validated: `sha256` is exactly
 * 64 lowercase hex characters, and `source`/`label` are single safe path segments (see
 * `isSafeSegment`), because downstream code builds S3 keys and URLs from them. Downstream code
 * encodes them as well; this is the first of two defenses, not the only one.
 */
export interface StreamReference {
  source: string;
  label: string;
  sha256: string;
}

/** A stream entry that was not usable. `sha256` is a printable, truncated rendering for logs only. */
export interface RejectedReference {
  reason: string;
  sha256: string;
}

export interface ExtractedReferences {
  /** Unique by (source, label, sha256), in order of first appearance. */
  references: StreamReference[];
  rejected: RejectedReference[];
}

/** A dotted field path such as `entity.datastreams`, split into field names. */
export type FieldPath = readonly string[];

/**
 * Where references live in a decoded event. Every alternative whose `streams` path exists in an
 * event contributes; an alternative whose path is absent simply does not apply (a DeleteEvent has
 * no `entity.datastreams`, a BinaryEvent no `entity.child`).
 */
export interface ReferenceLayout {
  /** Array of wrapped events in a bulk wrapper; when present in a message, its items are the events. */
  readonly bulk: FieldPath | undefined;
  readonly alternatives: readonly ReferenceAlternative[];
}

export interface ReferenceAlternative {
  /** From the event: the string naming the event's source. */
  readonly source: FieldPath;
  /** From the event: the array of stream entries. */
  readonly streams: FieldPath;
  /** From each stream entry: its label (e.g. `content`). */
  readonly label: FieldPath;
  /** From each stream entry: its SHA-256. */
  readonly sha256: FieldPath;
}

/**
 * The platform's layout, in the text form `parseReferenceLayout` reads (e.g. from
 * `STREAMVAULT_STREAM_REFERENCE_LAYOUT`): segments separated by `|`; a segment is `key=path` pairs
 * separated by `;`. One optional segment is `bulk=<path>[]`; every other segment is an alternative
 * with all four keys `source`, `streams` (ending in `[]`), `label` and `sha256`. `label` and
 * `sha256` are relative to a stream entry, the others to the event. Whitespace is ignored.
 */
export const DEFAULT_REFERENCE_LAYOUT =
  'bulk=events[]' +
  ' | source=source.name; streams=entity.datastreams[]; label=label; sha256=sha256' +
  ' | source=entity.original_source; streams=entity.child.datastreams[]; label=label; sha256=sha256';

export type ReferenceLayoutResult = { kind: 'parsed'; layout: ReferenceLayout } | { kind: 'invalid'; errors: string[] };

const ALTERNATIVE_KEYS = ['source', 'streams', 'label', 'sha256'] as const;
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FORM =
  '`bulk=events[] | source=source.name; streams=entity.datastreams[]; label=label; sha256=sha256 | ...`';

/** Parses the text form documented on `DEFAULT_REFERENCE_LAYOUT`, reporting every problem. */
export function parseReferenceLayout(text: string): ReferenceLayoutResult {
  const errors: string[] = [];
  let bulk: FieldPath | undefined;
  let sawBulk = false;
  const alternatives: ReferenceAlternative[] = [];

  const segments = text.split('|').map((segment) => segment.trim());
  segments.forEach((segment, index) => {
    const where = `segment ${index + 1} ${JSON.stringify(segment)}`;
    if (segment === '') {
      errors.push(`${where}: expected \`key=path\` pairs separated by ";", got an empty segment; the whole layout reads like ${FORM}`);
      return;
    }
    const pairs = new Map<string, string>();
    for (const rawPair of segment.split(';')) {
      const pair = rawPair.trim();
      if (pair === '') continue;
      const equals = pair.indexOf('=');
      if (equals < 0) {
        errors.push(`${where}: expected \`key=path\`, got ${JSON.stringify(pair)}`);
        continue;
      }
      const key = pair.slice(0, equals).trim();
      if (pairs.has(key)) errors.push(`${where}: key ${JSON.stringify(key)} appears twice; expected each key once`);
      pairs.set(key, pair.slice(equals + 1).trim());
    }

    if (pairs.has('bulk')) {
      if (pairs.size > 1) {
        errors.push(`${where}: expected \`bulk=<path>[]\` alone in its segment, got also ${[...pairs.keys()].filter((k) => k !== 'bulk').join(', ')}`);
      }
      if (sawBulk) errors.push(`${where}: expected at most one bulk segment, got a second one`);
      sawBulk = true;
      const path = parsePath(pairs.get('bulk') ?? '', true);
      if (path.kind === 'invalid') errors.push(`${where}: bulk ${path.error}`);
      else bulk = path.path;
      return;
    }

    const unknown = [...pairs.keys()].filter((key) => !(ALTERNATIVE_KEYS as readonly string[]).includes(key));
    for (const key of unknown) {
      errors.push(`${where}: unknown key ${JSON.stringify(key)}; expected bulk, or ${ALTERNATIVE_KEYS.join(', ')}`);
    }
    const parsed: Partial<Record<(typeof ALTERNATIVE_KEYS)[number], FieldPath>> = {};
    for (const key of ALTERNATIVE_KEYS) {
      const raw = pairs.get(key);
      if (raw === undefined) {
        errors.push(`${where}: missing key ${JSON.stringify(key)}; an alternative needs ${ALTERNATIVE_KEYS.join(', ')}`);
        continue;
      }
      const path = parsePath(raw, key === 'streams');
      if (path.kind === 'invalid') errors.push(`${where}: ${key} ${path.error}`);
      else parsed[key] = path.path;
    }
    if (parsed.source && parsed.streams && parsed.label && parsed.sha256) {
      alternatives.push({ source: parsed.source, streams: parsed.streams, label: parsed.label, sha256: parsed.sha256 });
    }
  });

  if (errors.length === 0 && alternatives.length === 0) {
    errors.push(`expected at least one alternative with ${ALTERNATIVE_KEYS.join(', ')}, got none in ${JSON.stringify(text)}`);
  }
  if (errors.length > 0) return { kind: 'invalid', errors };
  return { kind: 'parsed', layout: { bulk, alternatives } };
}

function parsePath(raw: string, isArray: boolean): { kind: 'path'; path: FieldPath } | { kind: 'invalid'; error: string } {
  const expected = isArray
    ? 'a dotted field path ending in "[]" (e.g. entity.datastreams[])'
    : 'a dotted field path without "[]" (e.g. source.name)';
  let body = raw;
  if (isArray) {
    if (!raw.endsWith('[]')) return { kind: 'invalid', error: `expected ${expected}, got ${JSON.stringify(raw)}` };
    body = raw.slice(0, -2);
  }
  const names = body.split('.');
  if (!names.every((name) => FIELD_NAME.test(name))) {
    return { kind: 'invalid', error: `expected ${expected}, got ${JSON.stringify(raw)}` };
  }
  return { kind: 'path', path: names };
}

/**
 * The streams `event` (an avsc-decoded record or the same event parsed from JSON) references.
 * Never throws; every unusable stream entry lands in `rejected` with the reason.
 */
export function extractStreamReferences(event: unknown, layout: ReferenceLayout): ExtractedReferences {
  const references: StreamReference[] = [];
  const rejected: RejectedReference[] = [];
  const seen = new Set<string>();

  // Bulk items are events; they are not unwrapped again (a bulk of bulks is not a platform shape).
  const wrapped = layout.bulk === undefined ? undefined : resolve(event, layout.bulk);
  const events = Array.isArray(wrapped) ? wrapped : [event];

  events.forEach((item, eventIndex) => {
    const at = Array.isArray(wrapped) ? `${layout.bulk?.join('.')}[${eventIndex}].` : '';
    for (const alternative of layout.alternatives) {
      const streams = resolve(item, alternative.streams);
      if (streams === undefined || streams === null) continue;
      const streamsPath = `${at}${alternative.streams.join('.')}`;
      if (!Array.isArray(streams)) {
        rejected.push({ reason: `${streamsPath}: expected an array of stream entries, got ${describe(streams)}`, sha256: renderForLog(undefined) });
        continue;
      }
      const source = resolve(item, alternative.source);
      const sourceProblem = segmentProblem('source', source);

      streams.forEach((entry: unknown, streamIndex) => {
        const where = `${streamsPath}[${streamIndex}]`;
        const rawSha = resolve(entry, alternative.sha256);
        const sha256 = normalizeSha256(rawSha);
        const label = resolve(entry, alternative.label);
        const problems = [
          sha256 === undefined ? `sha256 ${sha256Problem(rawSha)}` : undefined,
          segmentProblem('label', label),
          sourceProblem === undefined ? undefined : `${sourceProblem} (from ${at}${alternative.source.join('.')})`,
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
  });

  return { references, rejected };
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

const SHA256 = /^[0-9a-fA-F]{64}$/;

function normalizeSha256(value: unknown): string | undefined {
  return typeof value === 'string' && SHA256.test(value) ? value.toLowerCase() : undefined;
}

function sha256Problem(value: unknown): string {
  if (typeof value !== 'string') return `expected a string of 64 hex characters, got ${describe(value)}`;
  if (value.length !== 64) return `expected exactly 64 hex characters, got ${value.length} characters`;
  return 'expected only hex characters 0-9 a-f, got others';
}

/** Longest accepted source or label, in UTF-8 bytes (a common file-name limit; S3 allows 1024 per key). */
export const MAX_SEGMENT_BYTES = 255;

// C0 controls, DEL and C1 controls: invisible in logs, meaningful to terminals and some parsers.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// A lone surrogate cannot be encoded as UTF-8; encodeURIComponent throws on it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Whether `value` can be one segment of an S3 key or URL path as is. Percent signs and spaces are
 * allowed (downstream encoding turns `%2e%2e` into `%252e%252e`, which no server decodes into `..`);
 * separators, traversal names, control characters and unencodable text are not.
 */
export function isSafeSegment(value: string): boolean {
  return segmentProblem('segment', value) === undefined;
}

function segmentProblem(what: string, value: unknown): string | undefined {
  if (typeof value !== 'string') return `${what} expected a string, got ${describe(value)}`;
  // Rendered only for a problem: every reference of every event passes through here.
  const shown = () => renderForLog(value);
  if (value === '') return `${what} is empty, expected a non-empty name`;
  if (value === '.' || value === '..') return `${what} ${shown()} is a relative path name, expected a plain name`;
  if (value.includes('/') || value.includes('\\')) return `${what} ${shown()} contains a path separator, expected a single segment`;
  if (CONTROL.test(value)) return `${what} ${shown()} contains a control character`;
  if (LONE_SURROGATE.test(value)) return `${what} ${shown()} is not well-formed Unicode (lone surrogate)`;
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_SEGMENT_BYTES) return `${what} is ${bytes} UTF-8 bytes long, expected at most ${MAX_SEGMENT_BYTES}`;
  return undefined;
}

const RENDER_LIMIT = 80;

/**
 * JSON rendering of at most 80 characters (then `…`), with everything outside printable ASCII
 * escaped as `\uXXXX`, so hostile values cannot forge log lines or reorder text (bidi controls).
 */
export function renderForLog(value: unknown): string {
  if (value === undefined) return '(missing)';
  if (typeof value !== 'string') return `(${describe(value)})`;
  const cut = value.length > RENDER_LIMIT ? `${value.slice(0, RENDER_LIMIT)}…` : value;
  return JSON.stringify(cut).replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (Buffer.isBuffer(value)) return `${value.length} bytes`;
  return typeof value === 'string' ? `the string ${renderForLog(value)}` : `a ${typeof value}`;
}
