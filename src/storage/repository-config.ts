/**
 * `{prefix}streamvault.json`: what a backup location is. Written by the first daemon that backs up
 * into it (a conditional create), read by every later one. Keys are deterministic, so a daemon
 * started with other settings would replay into the same keys and rewrite history (a run without a
 * schema once rewrote every manifest with `"streams": []`); it refuses to start instead.
 *
 * Settings recorded are those that change what a replay of the same records writes:
 * - `keyLayout`: the version of key-layout.ts's keys (1).
 * - `eventDecoding`: `schema` or `none` (no STREAMVAULT_EVENT_SCHEMA: no stream is found).
 * - `eventTypeMap`, `streamReferenceLayout`: with a schema, which types are tried and where
 *   references are read: they decide the streams each manifest records. The type map may GROW: for
 *   the event type of every pair the location has recorded, the types it tried before must be the first
 *   types it tries now (appending types, or a new entry for an event type no pair uses, finds the
 *   same streams or more: an event decoded before still decodes with the same type, since types are
 *   tried in order and the first exact decode wins). Anything else is a conflict naming the event
 *   type. A grown map is recorded. Stored as `{version: 2, byEventType, fallback}`; configs written
 *   before version 2 recorded only the fallback (their entries serialized as `{}`), so only the
 *   fallback is checked against them, and the full map is recorded then.
 * - `pairs`: the topic of each source/event pair; another topic under the same keys would
 *   overwrite one topic's history with another's. New pairs are added as they appear.
 * - `streamReferenceLayout` may GROW too: the same bulk path and the alternatives it had, first
 *   and unchanged, then new ones (the default gained the status event's alternatives this way;
 *   a location recorded with the earlier default takes the new one). A grown layout is recorded.
 *   Manifests written before keep the streams they recorded; a replay of their records would now
 *   find the same streams or more.
 * Not recorded: the schema files themselves and their generations (they evolve; a newer schema or
 * an added generation finds the same streams or more: an event counts malformed only when no
 * generation decodes it), the codec and batch sizes (they change bytes and boundaries, not content).
 */
import { z } from 'zod';
import { resolveTypeNames, type EventTypeMap } from '../config/event-type-map.js';
import type { KeyLayout } from './key-layout.js';
import { ObjectNotFoundError, PreconditionFailedError, type ObjectStore } from './object-store.js';

export const KEY_LAYOUT_VERSION = 1;

const settingsSchema = z.object({
  keyLayout: z.number().int(),
  eventDecoding: z.enum(['schema', 'none']),
  eventTypeMap: z.unknown().optional(),
  streamReferenceLayout: z.unknown().optional(),
  pairs: z.record(z.string(), z.string()),
});

const repositoryConfigSchema = z.object({
  format: z.literal('streamvault-repository'),
  version: z.literal(1),
  createdAt: z.string(),
  settings: settingsSchema,
});

export type RepositorySettings = z.infer<typeof settingsSchema>;
export type RepositoryConfig = z.infer<typeof repositoryConfigSchema>;

/** The settings of this run that shape what it writes (see the module comment). */
export function repositorySettings(input: {
  eventSchema: string;
  eventTypeMap: EventTypeMap;
  streamReferenceLayout: unknown;
  pairs: ReadonlyArray<{ source: string; event: string; topic: string }>;
}): RepositorySettings {
  const decoding = input.eventSchema.trim() === '' ? 'none' : 'schema';
  return {
    keyLayout: KEY_LAYOUT_VERSION,
    eventDecoding: decoding,
    // Round-tripped through JSON so that what is compared is what is stored.
    ...(decoding === 'schema'
      ? { eventTypeMap: typeMapRecord(input.eventTypeMap), streamReferenceLayout: JSON.parse(JSON.stringify(input.streamReferenceLayout)) }
      : {}),
    pairs: Object.fromEntries(input.pairs.map((p) => [`${p.source}/${p.event}`, p.topic])),
  };
}

/** The type map as `streamvault.json` stores it (version 2: every entry; sorted, so equal maps store equal text). */
export interface TypeMapRecord {
  readonly version: 2;
  readonly byEventType: Record<string, string[]>;
  readonly fallback: string[] | null;
}

export function typeMapRecord(map: EventTypeMap): TypeMapRecord {
  const keys = [...map.byEventType.keys()].sort();
  return { version: 2, byEventType: Object.fromEntries(keys.map((k) => [k, [...map.byEventType.get(k)!]])), fallback: map.fallback ? [...map.fallback] : null };
}

const storedTypeMapSchema = z.union([
  z.object({ version: z.literal(2), byEventType: z.record(z.string(), z.array(z.string())), fallback: z.array(z.string()).nullable() }),
  // Before version 2 the map's Map of entries serialized as `{}`: only the fallback was recorded.
  z.object({ fallback: z.array(z.string()).optional() }).transform((legacy) => ({ legacy: true as const, fallback: legacy.fallback ?? null })),
]);

function toEventTypeMap(record: TypeMapRecord): EventTypeMap {
  return { byEventType: new Map(Object.entries(record.byEventType)), fallback: record.fallback ?? undefined };
}

/**
 * Event types whose types tried before are not the first tried now (see the module comment), as
 * `event: stored -> current` descriptions; empty when `current` only grows `stored`.
 */
function typeMapShrinks(storedValue: unknown, currentValue: unknown, events: ReadonlySet<string>): string[] | 'unreadable' {
  const stored = storedTypeMapSchema.safeParse(storedValue);
  const current = storedTypeMapSchema.safeParse(currentValue);
  if (!stored.success || !current.success || 'legacy' in current.data) return 'unreadable';
  const now = toEventTypeMap(current.data);
  const isPrefix = (before: readonly string[], after: readonly string[]) => before.every((name, i) => after[i] === name);
  const problems: string[] = [];
  if ('legacy' in stored.data) {
    const before = stored.data.fallback ?? [];
    const after = now.fallback ?? [];
    if (!isPrefix(before, after)) problems.push(`* ${before.join('|') || '(none)'} -> ${after.join('|') || '(none)'}`);
    return problems;
  }
  const was = toEventTypeMap(stored.data);
  for (const event of [...events].sort()) {
    const before = resolveTypeNames(was, event);
    const after = resolveTypeNames(now, event);
    if (!isPrefix(before, after)) problems.push(`${event}: ${before.join('|') || '(none)'} -> ${after.join('|') || '(none)'}`);
  }
  return problems;
}

const storedLayoutSchema = z.object({ bulk: z.unknown().optional(), alternatives: z.array(z.unknown()) });

/**
 * Whether `current` finds every reference `stored` found, in the same order: the same bulk path
 * and the stored alternatives first, each the same (every alternative contributes, references are
 * kept in order of first appearance, so appended alternatives only add references after them).
 * Anything unreadable must be equal as JSON.
 */
function layoutGrows(storedValue: unknown, currentValue: unknown): boolean {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const stored = storedLayoutSchema.safeParse(storedValue);
  const current = storedLayoutSchema.safeParse(currentValue);
  if (!stored.success || !current.success) return same(storedValue, currentValue);
  return same(stored.data.bulk, current.data.bulk) && stored.data.alternatives.every((alternative, i) => same(alternative, current.data.alternatives[i]));
}

function sameStoredTypeMap(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export interface SettingConflict {
  /** The setting, as the operator sets it (an environment variable, or a pair). */
  readonly setting: string;
  readonly stored: string;
  readonly current: string;
}

/** Where `current` would write differently from what the location holds; empty when it may go on. */
export function compareSettings(stored: RepositorySettings, current: RepositorySettings): SettingConflict[] {
  const conflicts: SettingConflict[] = [];
  const text = (value: unknown) => (value === undefined ? '(unset)' : JSON.stringify(value));
  if (stored.keyLayout !== current.keyLayout) {
    conflicts.push({ setting: 'key layout version', stored: String(stored.keyLayout), current: String(current.keyLayout) });
  }
  if (stored.eventDecoding !== current.eventDecoding) {
    const describe = (d: string) => (d === 'schema' ? 'a schema (events decoded, streams found)' : 'empty (no decoding, no streams)');
    conflicts.push({ setting: 'STREAMVAULT_EVENT_SCHEMA', stored: describe(stored.eventDecoding), current: describe(current.eventDecoding) });
  } else if (current.eventDecoding === 'schema') {
    // Only event types the location already holds events of: a new pair has no history to change.
    const events = new Set(Object.keys(stored.pairs).map((pair) => pair.slice(pair.indexOf('/') + 1)));
    const shrinks = typeMapShrinks(stored.eventTypeMap, current.eventTypeMap, events);
    if (shrinks === 'unreadable') {
      if (text(stored.eventTypeMap) !== text(current.eventTypeMap)) {
        conflicts.push({ setting: 'STREAMVAULT_EVENT_TYPE_MAP', stored: text(stored.eventTypeMap), current: text(current.eventTypeMap) });
      }
    } else if (shrinks.length > 0) {
      conflicts.push({
        setting: 'STREAMVAULT_EVENT_TYPE_MAP',
        stored: `${text(stored.eventTypeMap)} (types it tried must stay first; changed: ${shrinks.join('; ')})`,
        current: text(current.eventTypeMap),
      });
    }
    if (!layoutGrows(stored.streamReferenceLayout, current.streamReferenceLayout)) {
      conflicts.push({
        setting: 'STREAMVAULT_STREAM_REFERENCE_LAYOUT',
        stored: `${text(stored.streamReferenceLayout)} (its alternatives must stay first, and its bulk path the same)`,
        current: text(current.streamReferenceLayout),
      });
    }
  }
  for (const [pair, topic] of Object.entries(current.pairs)) {
    const was = stored.pairs[pair];
    if (was !== undefined && was !== topic) conflicts.push({ setting: `topic of pair ${pair} (STREAMVAULT_TOPICS)`, stored: was, current: topic });
  }
  return conflicts;
}

export type RepositoryCheck =
  | { readonly kind: 'created' }
  | { readonly kind: 'matches'; readonly addedPairs: string[] }
  | { readonly kind: 'conflict'; readonly message: string; readonly conflicts: SettingConflict[] };

export type StoredRepositoryConfig =
  | { readonly kind: 'absent' }
  | { readonly kind: 'present'; readonly config: RepositoryConfig; readonly etag: string | undefined }
  | { readonly kind: 'unreadable'; readonly reason: string };

export async function readRepositoryConfig(store: ObjectStore, layout: KeyLayout): Promise<StoredRepositoryConfig> {
  const key = layout.repositoryConfigKey();
  const head = await store.head(key);
  if (!head) return { kind: 'absent' };
  let body: Buffer;
  try {
    body = await store.get(key);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return { kind: 'absent' };
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (error) {
    return { kind: 'unreadable', reason: `expected JSON, got ${(error as Error).message}` };
  }
  const parsed = repositoryConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { kind: 'unreadable', reason: `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}` };
  }
  return { kind: 'present', config: parsed.data, etag: head.etag };
}

/**
 * At backup start: creates the location's config (conditional create when the store enforces
 * conditional writes), or checks this run against it and records pairs it adds. A location
 * written before this config existed gets one now, from this run's settings.
 */
export async function checkRepositoryConfig(
  store: ObjectStore,
  layout: KeyLayout,
  current: RepositorySettings,
  options: { conditionalWrites: boolean; now: () => Date },
): Promise<RepositoryCheck> {
  const key = layout.repositoryConfigKey();
  const where = `s3://${store.bucket}/${key}`;
  for (let round = 0; round < 5; round++) {
    const stored = await readRepositoryConfig(store, layout);
    try {
      if (stored.kind === 'unreadable') {
        return { kind: 'conflict', conflicts: [], message: `the backup location's config ${where} is unreadable (${stored.reason}); fix or delete it` };
      }
      if (stored.kind === 'absent') {
        const config: RepositoryConfig = { format: 'streamvault-repository', version: 1, createdAt: options.now().toISOString(), settings: current };
        await store.put(key, serialize(config), {
          contentType: 'application/json',
          condition: options.conditionalWrites ? { kind: 'absent' } : undefined,
        });
        return { kind: 'created' };
      }
      const conflicts = compareSettings(stored.config.settings, current);
      if (conflicts.length > 0) return { kind: 'conflict', conflicts, message: conflictMessage(where, layout, conflicts) };
      const added = Object.keys(current.pairs).filter((pair) => stored.config.settings.pairs[pair] === undefined);
      // A grown type map (or one recorded before version 2) is recorded: later runs are checked against it.
      const mapGrew = current.eventTypeMap !== undefined && !sameStoredTypeMap(stored.config.settings.eventTypeMap, current.eventTypeMap);
      // A grown reference layout likewise: a later run with the shorter one would find fewer streams.
      const layoutGrew =
        current.streamReferenceLayout !== undefined && !sameStoredTypeMap(stored.config.settings.streamReferenceLayout, current.streamReferenceLayout);
      if (added.length > 0 || mapGrew || layoutGrew) {
        const updated: RepositoryConfig = {
          ...stored.config,
          settings: {
            ...stored.config.settings,
            ...(mapGrew ? { eventTypeMap: current.eventTypeMap } : {}),
            ...(layoutGrew ? { streamReferenceLayout: current.streamReferenceLayout } : {}),
            pairs: { ...stored.config.settings.pairs, ...current.pairs },
          },
        };
        await store.put(key, serialize(updated), {
          contentType: 'application/json',
          condition: options.conditionalWrites && stored.etag ? { kind: 'matches', etag: stored.etag } : undefined,
        });
      }
      return { kind: 'matches', addedPairs: added };
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error; // another daemon wrote it meanwhile: read again
    }
  }
  throw new Error(`expected to create or update ${where}, but other daemons kept changing it`);
}

function conflictMessage(where: string, layout: KeyLayout, conflicts: readonly SettingConflict[]): string {
  const lines = conflicts.map((c) => `${c.setting}: the location was written with ${c.stored}, this run has ${c.current}`);
  return (
    `refusing to back up into ${where.replace(/streamvault\.json$/, '')} with settings that would change what a replay writes: ${lines.join('; ')}. ` +
    `Run with the stored settings, or back up into a new location (STREAMVAULT_S3_PREFIX other than ${JSON.stringify(layout.prefix)}); ` +
    `to adopt the new settings here on purpose, delete ${where} (manifests keep the streams they recorded)`
  );
}

function serialize(config: RepositoryConfig): Buffer {
  return Buffer.from(`${JSON.stringify(config, null, 1)}\n`);
}

export type BackupPresence = { readonly kind: 'present' } | { readonly kind: 'empty'; readonly message: string };

/**
 * Whether the location holds a backup: its config, or (written before the config existed) at
 * least one manifest. Read commands refuse an empty location rather than report success on it.
 */
export async function checkBackupPresent(store: ObjectStore, layout: KeyLayout): Promise<BackupPresence> {
  if (await store.head(layout.repositoryConfigKey())) return { kind: 'present' };
  for await (const object of store.list(layout.manifestsPrefix())) {
    if (object.key.endsWith('.json')) return { kind: 'present' };
  }
  return {
    kind: 'empty',
    message:
      `no backup in bucket ${store.bucket} under prefix ${JSON.stringify(layout.prefix)}: neither ${layout.repositoryConfigKey()} nor any manifest exists; ` +
      'check STREAMVAULT_S3_BUCKET and STREAMVAULT_S3_PREFIX',
  };
}
