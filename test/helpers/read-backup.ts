import { readContainer } from '../../src/events/avro-container.js';
import type { BackupRecord } from '../../src/events/backup-record.js';
import type { KeyLayout } from '../../src/storage/key-layout.js';
import { readManifests } from '../../src/storage/manifest-reader.js';
import type { ManifestEntry } from '../../src/storage/manifest.js';
import type { ObjectStore } from '../../src/storage/object-store.js';

export interface BackupContents {
  manifests: ManifestEntry[];
  /** Every record of every events object, by `topic/partition/offset` (overlaps collapse). */
  records: Map<string, BackupRecord>;
  /** Events object keys that exist in the bucket. */
  objectKeys: string[];
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
  return { manifests: entries, records, objectKeys };
}
