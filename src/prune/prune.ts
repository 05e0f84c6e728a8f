/**
 * `streamvault prune --keep-within <duration>`: the backup's retention (issue 14).
 *
 * A batch is expired when its newest record (the manifest's maxTimestamp, the Kafka timestamp that
 * `restore --until` selects by) is older than now minus the window: every event in it is outside
 * the window. Expired batches lose their events object, then their manifest (that order: a prune
 * stopped half way leaves a manifest whose next prune finishes the job, never an events object no
 * manifest names). Then mark and sweep: the sha256 of every stream named by a kept manifest is
 * marked; every `streams/` object and `streams-missing/` marker not marked is deleted. Offset
 * snapshots older than the cutoff are deleted except each topic's newest one at or before it (a
 * restore `--until` the start of the window still translates offsets). Retention gaps, topic
 * records, the location's config and health objects are kept (small; they describe the source,
 * not one batch).
 *
 * Safety: the caller holds the prune lock (storage/location-locks.ts), taken only while no backup
 * daemon holds a fresh writer lock, so no new reference appears while the plan is made and carried
 * out. An unreadable manifest stops the prune before anything is deleted: its streams are unknown.
 */
import PQueue from 'p-queue';
import { readManifests } from '../storage/manifest-reader.js';
import type { ManifestEntry } from '../storage/manifest.js';
import type { KeyLayout } from '../storage/key-layout.js';
import type { ObjectStore } from '../storage/object-store.js';

export interface PruneDeletion {
  readonly key: string;
  readonly bytes: number;
}

export interface PrunePlan {
  readonly cutoff: Date;
  readonly keptBatches: number;
  /** Events objects and manifests of expired batches, events object first. */
  readonly batches: PruneDeletion[];
  readonly streams: PruneDeletion[];
  readonly missingMarkers: PruneDeletion[];
  readonly offsetSnapshots: PruneDeletion[];
  readonly bytes: number;
  /** Unreadable manifests: when any, nothing may be deleted. */
  readonly problems: ReadonlyArray<{ key: string; reason: string }>;
}

async function sizes(store: ObjectStore, prefix: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for await (const object of store.list(prefix)) found.set(object.key, object.size);
  return found;
}

function isExpired(entry: ManifestEntry, cutoffMs: bigint): boolean {
  return entry.maxTimestamp < cutoffMs;
}

/** The last path segment without `.json`. */
function baseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1).replace(/\.json$/, '');
}

export async function planPrune(store: ObjectStore, layout: KeyLayout, cutoff: Date): Promise<PrunePlan> {
  const cutoffMs = BigInt(cutoff.getTime());
  const listing = await readManifests(store, layout);
  const [eventSizes, manifestSizes, streamSizes, missingSizes, offsetSizes] = await Promise.all([
    sizes(store, layout.eventsPrefix()),
    sizes(store, layout.manifestsPrefix()),
    sizes(store, layout.streamsPrefix()),
    sizes(store, layout.streamsMissingPrefix()),
    sizes(store, layout.allOffsetSnapshotsPrefix()),
  ]);
  const batches: PruneDeletion[] = [];
  const marked = new Set<string>();
  let keptBatches = 0;
  for (const entry of listing.entries) {
    if (!isExpired(entry, cutoffMs)) {
      keptBatches++;
      for (const stream of entry.streams) marked.add(stream.sha256);
      continue;
    }
    const manifestKey = layout.manifestKey(entry, entry.partition, entry.firstOffset);
    if (eventSizes.has(entry.key)) batches.push({ key: entry.key, bytes: eventSizes.get(entry.key)! });
    batches.push({ key: manifestKey, bytes: manifestSizes.get(manifestKey) ?? 0 });
  }
  const streams = [...streamSizes].filter(([key]) => !marked.has(baseName(key))).map(([key, bytes]) => ({ key, bytes }));
  const missingMarkers = [...missingSizes].filter(([key]) => !marked.has(baseName(key))).map(([key, bytes]) => ({ key, bytes }));
  const offsetSnapshots = expiredSnapshots(offsetSizes, layout, cutoff);
  const all = [...batches, ...streams, ...missingMarkers, ...offsetSnapshots];
  return {
    cutoff,
    keptBatches,
    batches,
    streams,
    missingMarkers,
    offsetSnapshots,
    bytes: all.reduce((sum, d) => sum + d.bytes, 0),
    problems: listing.problems,
  };
}

/**
 * Snapshots `offsets/{topic}/{day}/{time}.json` taken before the cutoff, except each topic's
 * newest one before it. Keys sort by time (offset-snapshot keys are ISO times with dashes).
 */
function expiredSnapshots(offsetSizes: Map<string, number>, layout: KeyLayout, cutoff: Date): PruneDeletion[] {
  const cutoffName = cutoff.toISOString().replaceAll(':', '-');
  const byTopic = new Map<string, string[]>();
  const root = layout.allOffsetSnapshotsPrefix();
  for (const key of offsetSizes.keys()) {
    if (!key.endsWith('.json')) continue;
    const topic = key.slice(root.length).split('/')[0]!;
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), key]);
  }
  const expired: PruneDeletion[] = [];
  for (const keys of byTopic.values()) {
    const before = keys.filter((key) => baseName(key) < cutoffName).sort((a, b) => baseName(a).localeCompare(baseName(b)));
    for (const key of before.slice(0, -1)) expired.push({ key, bytes: offsetSizes.get(key)! });
  }
  return expired.sort((a, b) => a.key.localeCompare(b.key));
}

/**
 * Deletes what the plan lists, batches first, then (after `beforeSweep`, which throws when the
 * lock is no longer held or a writer appeared) streams, markers and snapshots.
 */
export async function carryOutPrune(store: ObjectStore, plan: PrunePlan, options: { beforeSweep: () => Promise<void>; concurrency?: number }): Promise<void> {
  const concurrency = options.concurrency ?? 16;
  if (plan.problems.length > 0) throw new Error(`expected every manifest readable before deleting anything, got ${plan.problems.length} unreadable`);
  const queue = new PQueue({ concurrency });
  // Per batch: the events object, then its manifest (listed in that order, in pairs or alone).
  const groups: PruneDeletion[][] = [];
  for (const deletion of plan.batches) {
    const last = groups.at(-1);
    if (last && last.length === 1 && !last[0]!.key.endsWith('.json') && deletion.key.endsWith('.json')) last.push(deletion);
    else groups.push([deletion]);
  }
  await queue.addAll(groups.map((group) => async () => {
    for (const deletion of group) await store.delete(deletion.key);
  }));
  // The lock may have gone stale while batches were deleted (a hung prune): sweep only if still held.
  await options.beforeSweep();
  await queue.addAll([...plan.streams, ...plan.missingMarkers, ...plan.offsetSnapshots].map((d) => () => store.delete(d.key)));
}

/** `30d`, `12h`, `90m`, `3600s`, `2w` -> milliseconds; undefined when not of that form. */
export function parseRetention(text: string): number | undefined {
  const match = /^(\d+)(s|m|h|d|w)$/.exec(text.trim());
  if (!match) return undefined;
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[match[2] as 's' | 'm' | 'h' | 'd' | 'w'];
  const ms = Number(match[1]) * unit;
  return ms > 0 && Number.isSafeInteger(ms) ? ms : undefined;
}
