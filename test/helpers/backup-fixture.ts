import { createHash } from 'node:crypto';
import { BatchWriter } from '../../src/backup/batch-writer.js';
import { PartitionBatch } from '../../src/backup/partition-batch.js';
import type { Pair } from '../../src/config/pair.js';
import type { BackupRecord } from '../../src/events/backup-record.js';
import type { KeyLayout } from '../../src/storage/key-layout.js';
import type { ManifestEntry } from '../../src/storage/manifest.js';
import type { ObjectStore } from '../../src/storage/object-store.js';

export interface FixtureBackup {
  readonly entries: ManifestEntry[];
  /** sha256 -> blob content of every stream stored. */
  readonly blobs: Map<string, Buffer>;
}

/**
 * Writes a small but real backup with the production BatchWriter: `batches` batches per
 * partition of 2 pairs x 2 partitions, `perBatch` records each; every 3rd record references a
 * stream, and the blob is stored under its content address.
 */
export async function writeFixtureBackup(
  store: ObjectStore,
  layout: KeyLayout,
  options: { batches?: number; perBatch?: number; codec?: 'null' | 'deflate' } = {},
): Promise<FixtureBackup> {
  const batches = options.batches ?? 2;
  const perBatch = options.perBatch ?? 5;
  const writer = new BatchWriter({
    store,
    layout,
    codec: options.codec ?? 'deflate',
    streamSink: { persist: async () => {} },
    now: () => new Date(Date.UTC(2026, 0, 2)),
  });
  const pairs: Pair[] = [
    { source: 'samples', event: 'sourced', topic: 'samples.sourced' },
    { source: 'system', event: 'insert', topic: 'system.insert' },
  ];
  const entries: ManifestEntry[] = [];
  const blobs = new Map<string, Buffer>();
  const base = Date.UTC(2026, 0, 2, 3, 4, 5);
  for (const pair of pairs) {
    for (const partition of [0, 1]) {
      for (let b = 0; b < batches; b++) {
        const batch = new PartitionBatch(pair.topic, partition, 0);
        for (let i = 0; i < perBatch; i++) {
          const offset = b * perBatch + i;
          const record: BackupRecord = {
            topic: pair.topic,
            partition,
            offset: String(offset),
            timestamp: BigInt(base + offset * 1000),
            key: Buffer.from(`k${offset}`),
            value: Buffer.from(`value ${pair.topic} ${partition} ${offset}`),
            headers: [{ key: 'h', value: Buffer.from('x') }],
          };
          let streams: Array<{ source: string; label: string; sha256: string; timestamp: bigint }> = [];
          if (offset % 3 === 0) {
            const blob = Buffer.from(`blob of ${pair.topic}/${partition}/${offset}`.repeat(20));
            const sha256 = createHash('sha256').update(blob).digest('hex');
            blobs.set(sha256, blob);
            await store.put(layout.streamKey(sha256), blob, { metadata: { sha256 } });
            streams = [{ source: pair.source, label: 'content', sha256, timestamp: record.timestamp }];
          }
          batch.add(record, 0, { streams, malformed: false });
        }
        entries.push(await writer.write(pair, batch));
      }
    }
  }
  return { entries, blobs };
}

/** Flips one bit in the middle of `body`, so the size stays the same. */
export function flipOneBit(body: Buffer): Buffer {
  const copy = Buffer.from(body);
  const at = Math.floor(copy.length / 2);
  copy[at] = copy[at]! ^ 0x10;
  return copy;
}
