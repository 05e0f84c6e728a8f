import { readContainer } from '../../src/events/avro-container.js';
import type { BackupRecord } from '../../src/events/backup-record.js';
import type { KeyLayout } from '../../src/storage/key-layout.js';
import { readManifests } from '../../src/storage/manifest-reader.js';
import type { ManifestEntry } from '../../src/storage/manifest.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { until } from './until.js';

export interface BackupContents {
  manifests: ManifestEntry[];
  /** Every record of every events object, by `topic/partition/offset` (overlaps collapse). */
  records: Map<string, BackupRecord>;
  /** How many of those records sit in an object that has its manifest. */
  indexedRecords: number;
  /** Events object keys that exist in the bucket. */
  objectKeys: string[];
  /**
   * Whether manifests and objects describe exactly the same batches. The daemon writes the object
   * before its manifest, and the two listings are not one snapshot, so a read taken while a batch
   * lands can see the object alone.
   */
  indexed: boolean;
}

/** Reads a whole backup back, for assertions on what is really in the bucket. */
export async function readBackup(store: ObjectStore, layout: KeyLayout): Promise<BackupContents> {
  const { entries, problems } = await readManifests(store, layout);
  if (problems.length > 0) throw new Error(`unreadable manifests: ${JSON.stringify(problems)}`);
  const manifestKeys = new Set(entries.map((e) => e.key));
  const records = new Map<string, BackupRecord>();
  const indexedRecords = new Set<string>();
  const objectKeys: string[] = [];
  for await (const object of store.list(`${layout.prefix}events/`)) {
    objectKeys.push(object.key);
    for await (const record of readContainer(await store.getStream(object.key))) {
      const id = `${record.topic}/${record.partition}/${record.offset}`;
      records.set(id, record);
      if (manifestKeys.has(object.key)) indexedRecords.add(id);
    }
  }
  const indexed = objectKeys.length === manifestKeys.size && objectKeys.every((k) => manifestKeys.has(k));
  return { manifests: entries, records, indexedRecords: indexedRecords.size, objectKeys, indexed };
}

/**
 * Waits until at least `records` distinct records sit in objects that have their manifest, then
 * returns what the bucket holds. (An object without a manifest is either a batch landing right
 * now or one a replica stopped writing when it lost the partition; neither counts yet.)
 */
export async function waitForBackup(store: ObjectStore, layout: KeyLayout, records: number, timeoutMs = 40_000): Promise<BackupContents> {
  let last: BackupContents | undefined;
  try {
    return await until(`${records} records backed up with their manifests`, async () => {
      last = await readBackup(store, layout);
      return last.indexedRecords >= records ? last : undefined;
    }, timeoutMs, 500);
  } catch (error) {
    const seen = last
      ? `; the bucket holds ${last.records.size} records (${last.indexedRecords} with a manifest) in ${last.objectKeys.length} objects with ${last.manifests.length} manifests`
      : '';
    throw new Error(`${String(error instanceof Error ? error.message : error)}${seen}`);
  }
}
