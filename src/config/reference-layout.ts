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
  /** From the event, or from the nested item `sourceDepth` names: the string naming the stream's source. */
  readonly source: FieldPath;
  /** From the event, or from the innermost item of `through`: the array of stream entries. */
  readonly streams: FieldPath;
  /** From each stream entry: its label (e.g. `content`). */
  readonly label: FieldPath;
  /** From each stream entry: its SHA-256. */
  readonly sha256: FieldPath;
  /**
   * Arrays of nested items the streams path goes through before `streams`, outermost first, each
   * relative to an item of the one before (the first to the event): `[['entity', 'results']]` for
   * `streams=entity.results[].entity.datastreams[]`. Absent (not empty) when `streams` is in the
   * event itself, so a layout of the form without nested arrays is stored as it always was.
   */
  readonly through?: readonly FieldPath[];
  /**
   * How many arrays of `through` the source path goes through: `source` is then relative to the
   * item at that depth (`source=entity.results[].source.name`: each result's own `source.name`).
   * Absent for 0: relative to the event.
   */
  readonly sourceDepth?: number;
}

/**
 * The platform's layout, in the text form `parseReferenceLayout` reads (e.g. from
 * `STREAMVAULT_STREAM_REFERENCE_LAYOUT`): segments separated by `|`; a segment is `key=path` pairs
 * separated by `;`. One optional segment is `bulk=<path>[]`; every other segment is an alternative
 * with all four keys `source`, `streams` (ending in `[]`), `label` and `sha256`. `label` and
 * `sha256` are relative to a stream entry, the others to the event. Whitespace is ignored.
 *
 * Nested arrays: `streams` may go through arrays of nested items before its last `[]`
 * (`streams=entity.results[].entity.datastreams[]`: the datastreams of every item of
 * `entity.results`). `source` may go through the same arrays, spelled the same way as the start
 * of `streams` (`source=entity.results[].source.name`); it is then read from the same nested item
 * as the streams it names. A source without `[]` is read from the event, as always. Written out
 * rather than implied, because both occur: a status event's results are whole binary events, each
 * naming its own source (`source.name` of the result, which need not be the status event's), while
 * an insert's child names its source in the event (`entity.original_source`).
 *
 * The platform's models (schemas v6): a binary event's streams are in `entity.datastreams[]`
 * under `source.name`; an insert's in `entity.child.datastreams[]` under `entity.original_source`;
 * a status event (a plugin's run) carries its input binary event whole in `entity.input` and the
 * binary events the run produced in `entity.results[]`, each with its own `source.name` and
 * `entity.datastreams[]`. Download, plugin, retrohunt and delete events reference no stream (a
 * download names a hash to fetch, not a stored stream). The first two alternatives are the default
 * of before nested arrays; the status alternatives are appended, so a backup location recorded with
 * the earlier default accepts this one (src/storage/repository-config.ts: a layout may grow).
 */
export const DEFAULT_REFERENCE_LAYOUT =
  'bulk=events[]' +
  ' | source=source.name; streams=entity.datastreams[]; label=label; sha256=sha256' +
  ' | source=entity.original_source; streams=entity.child.datastreams[]; label=label; sha256=sha256' +
  ' | source=entity.input.source.name; streams=entity.input.entity.datastreams[]; label=label; sha256=sha256' +
  ' | source=entity.results[].source.name; streams=entity.results[].entity.datastreams[]; label=label; sha256=sha256';

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
    const raws: Partial<Record<(typeof ALTERNATIVE_KEYS)[number], string>> = {};
    for (const key of ALTERNATIVE_KEYS) {
      const raw = pairs.get(key);
      if (raw === undefined) errors.push(`${where}: missing key ${JSON.stringify(key)}; an alternative needs ${ALTERNATIVE_KEYS.join(', ')}`);
      else raws[key] = raw;
    }
    const streams = raws.streams === undefined ? undefined : parseStreamsPath(raws.streams);
    if (streams?.kind === 'invalid') errors.push(`${where}: streams ${streams.error}`);
    const source = raws.source === undefined ? undefined : parseSourcePath(raws.source, streams?.kind === 'path' ? streams : undefined);
    if (source?.kind === 'invalid') errors.push(`${where}: source ${source.error}`);
    const entry: Partial<Record<'label' | 'sha256', FieldPath>> = {};
    for (const key of ['label', 'sha256'] as const) {
      const raw = raws[key];
      if (raw === undefined) continue;
      const path = parsePath(raw, false);
      if (path.kind === 'invalid') errors.push(`${where}: ${key} ${path.error} (relative to a stream entry)`);
      else entry[key] = path.path;
    }
    if (source?.kind === 'path' && streams?.kind === 'path' && entry.label && entry.sha256) {
      alternatives.push({
        source: source.path,
        streams: streams.path,
        label: entry.label,
        sha256: entry.sha256,
        // Only when nested: a layout without nested arrays keeps the shape (and stored JSON) of before.
        ...(streams.through.length > 0 ? { through: streams.through } : {}),
        ...(source.depth > 0 ? { sourceDepth: source.depth } : {}),
      });
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

/** `a.b[].c.d[]`: the arrays before the last `[]` (`[['a','b']]`) and the path of the last (`['c','d']`). */
function parseStreamsPath(raw: string): { kind: 'path'; through: FieldPath[]; path: FieldPath } | { kind: 'invalid'; error: string } {
  const expected =
    'a dotted field path ending in "[]" (e.g. entity.datastreams[]), optionally through arrays of nested items (e.g. entity.results[].entity.datastreams[])';
  if (!raw.endsWith('[]')) return { kind: 'invalid', error: `expected ${expected}, got ${JSON.stringify(raw)}` };
  const steps = splitArrays(raw.slice(0, -2));
  if (steps === undefined) return { kind: 'invalid', error: `expected ${expected}, got ${JSON.stringify(raw)}` };
  return { kind: 'path', through: steps.slice(0, -1), path: steps[steps.length - 1]! };
}

/**
 * `source.name` (from the event) or `entity.results[].source.name` (from each item of an array the
 * streams path goes through, spelled as the streams path spells it).
 */
function parseSourcePath(
  raw: string,
  streams: { through: readonly FieldPath[] } | undefined,
): { kind: 'path'; depth: number; path: FieldPath } | { kind: 'invalid'; error: string } {
  const plain = 'a dotted field path without "[]" (e.g. source.name)';
  if (!raw.includes('[]')) {
    const path = parsePath(raw, false);
    return path.kind === 'path' ? { kind: 'path', depth: 0, path: path.path } : path;
  }
  const steps = raw.endsWith('[]') ? undefined : splitArrays(raw);
  if (steps === undefined) {
    return { kind: 'invalid', error: `expected ${plain}, or one through the arrays of the streams path (e.g. entity.results[].source.name), got ${JSON.stringify(raw)}` };
  }
  const arrays = steps.slice(0, -1);
  const through = streams?.through ?? [];
  const same = arrays.length <= through.length && arrays.every((step, i) => step.join('.') === through[i]!.join('.'));
  if (!same) {
    const offered = through.map((_, i) => `${through.slice(0, i + 1).map((step) => step.join('.')).join('[].')}[].`);
    return {
      kind: 'invalid',
      error:
        `expected ${plain}, or one starting with arrays the streams path goes through (${offered.length > 0 ? offered.join(' or ') : 'it goes through none'}), ` +
        `got ${JSON.stringify(raw)}`,
    };
  }
  return { kind: 'path', depth: arrays.length, path: steps[steps.length - 1]! };
}

/** `a.b[].c` into `[['a','b'], ['c']]`; undefined when a part is not a dotted path of field names. */
function splitArrays(body: string): FieldPath[] | undefined {
  const parts = body.split('[].');
  const steps = parts.map((part) => part.split('.'));
  return steps.every((names) => names.every((name) => FIELD_NAME.test(name))) ? steps : undefined;
}
