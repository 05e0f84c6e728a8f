import { z } from 'zod';
import type { KeyLayout } from './key-layout.js';
import type { ObjectStore } from './object-store.js';

/**
 * `{prefix}offsets/{topic}/{yyyy-mm-dd}/{time}.json`: the committed offsets of the consumer groups
 * reading one original topic, as the backup daemon saw them at `takenAt`, aligned with the data:
 * `backedUp` says, per partition, below which offset every record was durable in the backup when
 * the snapshot was taken (the backup's own committed offset, which it commits only after the batch
 * is durable). A group offset above that was ahead of the backup at that moment.
 *
 * Format `streamvault.consumer-offsets` version 1. Backups made before snapshots existed have
 * none: a restore then restores events and streams and says that no offsets were translated.
 */
export const OFFSET_SNAPSHOT_FORMAT = 'streamvault.consumer-offsets';

const offset = z.string().regex(/^\d{1,20}$/);

const snapshotSchema = z.object({
  format: z.literal(OFFSET_SNAPSHOT_FORMAT),
  version: z.literal(1),
  topic: z.string().min(1),
  takenAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 time'),
  /** Per partition with a backup commit: every record below `below` was durable in the backup. */
  backedUp: z.array(z.object({ partition: z.number().int().nonnegative(), below: offset })),
  groups: z.array(
    z.object({
      group: z.string().min(1),
      /** The group's state on the source cluster (Stable, Empty, ...), for people. */
      state: z.string(),
      /** Committed offsets (the next record the group reads); partitions without a commit are left out. */
      partitions: z.array(z.object({ partition: z.number().int().nonnegative(), committed: offset, metadata: z.string().nullable() })),
    }),
  ),
});

export type OffsetSnapshot = z.infer<typeof snapshotSchema>;

export function serializeOffsetSnapshot(snapshot: OffsetSnapshot): Buffer {
  return Buffer.from(`${JSON.stringify(snapshot, null, 1)}\n`);
}

export function parseOffsetSnapshot(key: string, body: Buffer): OffsetSnapshot {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new Error(`offset snapshot ${key}: expected JSON, got ${(error as Error).message}`);
  }
  const parsed = snapshotSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`offset snapshot ${key}: expected format ${OFFSET_SNAPSHOT_FORMAT} version 1; ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export async function writeOffsetSnapshot(store: ObjectStore, layout: KeyLayout, snapshot: OffsetSnapshot): Promise<string> {
  const key = layout.offsetSnapshotKey(snapshot.topic, new Date(snapshot.takenAt));
  await store.put(key, serializeOffsetSnapshot(snapshot), { contentType: 'application/json' });
  return key;
}

/**
 * The latest snapshot of `topic` taken at or before `atOrBeforeMs` (any time when undefined), or
 * undefined when the backup has none (older backups, snapshots off). Keys sort by time, so only
 * the chosen one is read.
 */
export async function latestOffsetSnapshot(
  store: ObjectStore,
  layout: KeyLayout,
  topic: string,
  atOrBeforeMs?: number,
): Promise<{ key: string; snapshot: OffsetSnapshot } | undefined> {
  const prefix = layout.offsetSnapshotsPrefix(topic);
  const limit = atOrBeforeMs === undefined ? undefined : layout.offsetSnapshotKey(topic, new Date(atOrBeforeMs));
  let chosen: string | undefined;
  for await (const object of store.list(prefix)) {
    if (!object.key.endsWith('.json')) continue;
    if (limit !== undefined && object.key > limit) continue;
    if (chosen === undefined || object.key > chosen) chosen = object.key;
  }
  if (chosen === undefined) return undefined;
  return { key: chosen, snapshot: parseOffsetSnapshot(chosen, await store.get(chosen)) };
}
