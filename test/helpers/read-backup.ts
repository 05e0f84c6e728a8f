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
  /** Events object keys that exist in the bucket. */
  objectKeys: string[];
  /**
   * Whether manifests and objects describe the same batches. The daemon writes the object before
   * its manifest, and the two listings are not one snapshot, so a read taken while a batch lands
   * can see one without the other.
   */
  indexed: boolean;
}

/** Reads a whole backup back, for assertions on what is really in the bucket. */
export async function readBackup(store: ObjectStore, layout: KeyLayout): Promise<BackupContents> {
  const { entries, problems } = await readManifests(store, layout);
  if (problems.length > 0) throw new Error(`unreadable manifests: ${JSON.stringify(problems)}`);
  const records = new Map<string, BackupRecord>();
  const objectKeys: string[] = [];
  for await (const object of store.list(`${layout.prefix}events/`)) {
    objectKeys.push(object.key);
    for await (const record of readContainer(await store.getStream(object.key))) {
      records.set(`${record.topic}/${record.partition}/${record.offset}`, record);
    }
  }
  const manifestKeys = new Set(entries.map((e) => e.key));
  const indexed = objectKeys.length === manifestKeys.size && objectKeys.every((k) => manifestKeys.has(k));
  return { manifests: entries, records, objectKeys, indexed };
}

/**
 * Waits until the bucket holds at least `records` distinct records and every object has its
 * manifest (and no manifest lacks its object), then returns what it holds.
 */
export async function waitForBackup(store: ObjectStore, layout: KeyLayout, records: number, timeoutMs = 40_000): Promise<BackupContents> {
  let last: BackupContents | undefined;
  try {
    return await until(`${records} records backed up and indexed`, async () => {
      last = await readBackup(store, layout);
      return last.records.size >= records && last.indexed ? last : undefined;
    }, timeoutMs, 500);
  } catch (error) {
    const seen = last ? `; the bucket holds ${last.records.size} records in ${last.objectKeys.length} objects with ${last.manifests.length} manifests` : '';
    throw new Error(`${String(error instanceof Error ? error.message : error)}${seen}`);
  }
}
