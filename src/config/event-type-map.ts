/**
 * Which Avro types an event type's messages may hold, in the order the decoder tries them.
 *
 * Text form (e.g. for `STREAMVAULT_EVENT_TYPE_MAP`): comma-separated `eventType=Type|Type` entries;
 * the event type `*` is the fallback for every event type not listed. Whitespace around tokens is
 * ignored, and so are empty entries (a trailing comma).
 */

/**
 * Every event model the platform publishes, as data: the event type (the model's name, which is
 * also the pair's event and the last part of its topic `azul.{prefix}.system.{model}`) and the
 * Avro types its messages hold, single event first, then its bulk wrapper. Binary events are not
 * listed: their event types are actions (`sourced`, `extracted`, ...), decoded by the fallback.
 */
export const PLATFORM_SYSTEM_MODELS = [
  { event: 'insert', types: ['InsertEvent', 'BulkInsertEvent'] },
  { event: 'delete', types: ['DeleteEvent', 'BulkDeleteEvent'] },
  { event: 'download', types: ['DownloadEvent', 'BulkDownloadEvent'] },
  { event: 'plugin', types: ['PluginEvent', 'BulkPluginEvent'] },
  { event: 'retrohunt', types: ['RetrohuntEvent', 'BulkRetrohuntEvent'] },
  { event: 'status', types: ['StatusEvent', 'BulkStatusEvent'] },
] as const satisfies ReadonlyArray<{ event: string; types: readonly string[] }>;

/** The fallback (`*`): binary events, whose event types are the platform's actions. */
export const PLATFORM_BINARY_TYPES = ['BinaryEvent', 'BulkBinaryEvent'] as const;

/**
 * The default map: every platform model, then the binary fallback. Only the entries of configured
 * pairs' event types are used, so a schema needs to define only the types of the pairs it backs up.
 */
export const DEFAULT_EVENT_TYPE_MAP = [
  ...PLATFORM_SYSTEM_MODELS.map((model) => `${model.event}=${model.types.join('|')}`),
  `*=${PLATFORM_BINARY_TYPES.join('|')}`,
].join(',');

export interface EventTypeMap {
  /** Explicit entries, keyed by event type (e.g. `insert`). */
  readonly byEventType: ReadonlyMap<string, readonly string[]>;
  /** Types for any other event type (`*`); `undefined` when there is no fallback entry. */
  readonly fallback: readonly string[] | undefined;
}

/** Every problem is listed, so the config loader can report them all at once. */
export type EventTypeMapResult = { kind: 'parsed'; map: EventTypeMap } | { kind: 'invalid'; errors: string[] };

const FALLBACK = '*';
// Event types appear in topic names, so the same conservative alphabet as Kafka topics.
const EVENT_TYPE = /^[A-Za-z0-9._-]+$/;
// Avro full name: dotted identifiers (namespace.Name).
const AVRO_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const FORM = '`eventType=AvroType|AvroType` (e.g. `insert=InsertEvent|BulkInsertEvent`, or `*=...` for the fallback)';

export function parseEventTypeMap(text: string): EventTypeMapResult {
  const errors: string[] = [];
  const byEventType = new Map<string, readonly string[]>();
  let fallback: readonly string[] | undefined;

  const entries = text.split(',').map((entry) => entry.trim());
  entries.forEach((entry, index) => {
    if (entry === '') return;
    const where = `entry ${index + 1} ${JSON.stringify(entry)}`;
    const equals = entry.indexOf('=');
    if (equals < 0) {
      errors.push(`${where}: expected ${FORM}, got no "="`);
      return;
    }
    const eventType = entry.slice(0, equals).trim();
    const names = entry
      .slice(equals + 1)
      .split('|')
      .map((name) => name.trim());

    let valid = true;
    if (eventType !== FALLBACK && !EVENT_TYPE.test(eventType)) {
      errors.push(
        `${where}: expected an event type of letters, digits, ".", "_" or "-" (or "*") before "=", got ${JSON.stringify(eventType)}`,
      );
      valid = false;
    }
    for (const name of names) {
      if (!AVRO_NAME.test(name)) {
        errors.push(`${where}: expected Avro type names separated by "|", got ${JSON.stringify(name)}`);
        valid = false;
      }
    }
    const duplicate = eventType === FALLBACK ? fallback !== undefined : byEventType.has(eventType);
    if (duplicate) {
      errors.push(`${where}: event type ${JSON.stringify(eventType)} is already mapped by an earlier entry; expected each once`);
      valid = false;
    }
    if (!valid) return;
    // Repeats would only make the decoder try the same type twice.
    const unique = [...new Set(names)];
    if (eventType === FALLBACK) fallback = unique;
    else byEventType.set(eventType, unique);
  });

  if (errors.length === 0 && byEventType.size === 0 && fallback === undefined) {
    errors.push(`expected at least one entry of the form ${FORM}, got ${JSON.stringify(text)}`);
  }
  if (errors.length > 0) return { kind: 'invalid', errors };
  return { kind: 'parsed', map: { byEventType, fallback } };
}

/**
 * Avro type names to try for `eventType`, in order: its own entry, else the fallback, else none
 * (an empty list means events of this type are not decoded; `createEventDecoder` refuses it).
 */
export function resolveTypeNames(map: EventTypeMap, eventType: string): string[] {
  return [...(map.byEventType.get(eventType) ?? map.fallback ?? [])];
}

/** Every type name the map mentions, once, so startup can check them all against the schema. */
export function listTypeNames(map: EventTypeMap): string[] {
  const all = new Set<string>();
  for (const names of map.byEventType.values()) for (const name of names) all.add(name);
  for (const name of map.fallback ?? []) all.add(name);
  return [...all];
}
