/**
 * STREAMVAULT_STREAM_REFERENCE_LAYOUT: where stream references live in a decoded event, as a config
 * value (its text form, default and parsing). src/events/stream-references.ts reads events with it.
 */
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
