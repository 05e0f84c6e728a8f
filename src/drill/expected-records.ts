import { createHash } from 'node:crypto';
import { decodeContainer } from '../events/avro-container.js';
import { inOffsetScope, type OffsetRange } from '../restore/offset-ranges.js';
import type { PlannedPartition } from '../restore/restore-plan.js';
import type { ObjectStore } from '../storage/object-store.js';
import { fingerprintBackupRecord, type RecordFingerprint } from './record-fingerprint.js';

export interface ExpectedRecord {
  readonly offset: bigint;
  readonly fingerprint: RecordFingerprint;
}

export interface ExpectedPartition {
  readonly source: string;
  readonly event: string;
  readonly topic: string;
  readonly partition: number;
  /** In original offset order, each offset once (overlapping backup objects deduplicated). */
  readonly records: readonly ExpectedRecord[];
}

export interface UnreadableObject {
  readonly key: string;
  readonly reason: string;
}

/**
 * What the scratch target must hold, read from the backup objects on their own (not through the
 * restore): each object checked against its manifest (sha256, record count), records deduplicated
 * by offset in offset order and kept when inside the offset ranges. An object that fails is named,
 * and its records are left out: the restore stops that partition there, so what follows it is
 * reported missing as well.
 */
export async function readExpectedRecords(
  store: ObjectStore,
  partitions: readonly PlannedPartition[],
  ranges: readonly OffsetRange[],
): Promise<{ partitions: ExpectedPartition[]; unreadable: UnreadableObject[] }> {
  const unreadable: UnreadableObject[] = [];
  const expected: ExpectedPartition[] = [];
  for (const p of partitions) {
    const records: ExpectedRecord[] = [];
    let floor = -1n;
    for (const batch of p.batches) {
      let body: Buffer;
      try {
        body = await store.get(batch.key);
      } catch (error) {
        unreadable.push({ key: batch.key, reason: `cannot read it: ${(error as Error).message}` });
        break;
      }
      const sha256 = createHash('sha256').update(body).digest('hex');
      if (sha256 !== batch.sha256) {
        unreadable.push({ key: batch.key, reason: `expected sha256 ${batch.sha256} (manifest), got ${sha256} (${body.length} bytes)` });
        break;
      }
      let decoded;
      try {
        decoded = await decodeContainer(body);
      } catch (error) {
        unreadable.push({ key: batch.key, reason: `expected an Avro object container, got: ${(error as Error).message}` });
        break;
      }
      if (decoded.length !== batch.count) {
        unreadable.push({ key: batch.key, reason: `expected ${batch.count} records (manifest), got ${decoded.length}` });
        break;
      }
      for (const record of decoded) {
        const offset = BigInt(record.offset);
        if (offset <= floor) continue;
        floor = offset;
        if (!inOffsetScope(ranges, p.topic, p.partition, offset)) continue;
        records.push({ offset, fingerprint: fingerprintBackupRecord(record) });
      }
    }
    expected.push({ source: p.source, event: p.event, topic: p.topic, partition: p.partition, records });
  }
  return { partitions: expected, unreadable };
}
