import { describe, expect, it } from 'vitest';
import { DifferenceList } from '../../../src/drill/drill-difference.js';
import { fingerprintBackupRecord } from '../../../src/drill/record-fingerprint.js';
import { RecordComparison } from '../../../src/drill/record-comparison.js';
import type { ScratchRecord } from '../../../src/drill/scratch-topic-reader.js';
import type { BackupRecord } from '../../../src/events/backup-record.js';
import { toRestoredMessage } from '../../../src/restore/restored-record.js';

const record = (offset: number, value = `v${offset}`): BackupRecord => ({
  topic: 'orders',
  partition: 1,
  offset: String(offset),
  timestamp: BigInt(1_700_000_000_000 + offset),
  key: Buffer.from(`k${offset}`),
  value: Buffer.from(value),
  headers: [{ key: 'a', value: Buffer.from('1') }, { key: 'b', value: null }, { key: 'a', value: Buffer.from('2') }],
});

/** What the scratch topic holds after a restore of `r` at target offset `at`, as kafkajs delivers it. */
const restored = (r: BackupRecord, at: number, partition = r.partition): ScratchRecord => {
  const { message } = toRestoredMessage(r, partition);
  return { topic: 'drill-orders', partition, offset: BigInt(at), key: message.key as Buffer, value: message.value as Buffer, timestamp: String(message.timestamp), headers: message.headers! };
};

const expected = (records: BackupRecord[]) => [{ source: 's', event: 'e', topic: 'orders', partition: 1, records: records.map((r) => ({ offset: BigInt(r.offset), fingerprint: fingerprintBackupRecord(r) })) }];

describe('drill record comparison', () => {
  it('matches a faithful restore (null header values sent empty, repeated keys grouped) with equal sequence hashes', () => {
    const records = [record(3), record(4), record(7)];
    const differences = new DifferenceList(10);
    const comparison = new RecordComparison(expected(records), () => 'drill-orders', differences);
    records.forEach((r, i) => comparison.visit(restored(r, i)));
    const result = comparison.finish();
    expect(result.counts).toEqual({ expected: 3, restored: 3, matched: 3, missing: 0, differing: 0, unexpected: 0 });
    expect(result.partitions[0]!.restored_sha256).toBe(result.partitions[0]!.expected_sha256);
    expect(differences.total).toBe(0);
  });

  it('names a changed field, a missing offset, a repeat and a record in the wrong partition', () => {
    const records = [record(3), record(4), record(5), record(6)];
    const differences = new DifferenceList(10);
    const comparison = new RecordComparison(expected(records), () => 'drill-orders', differences);
    comparison.visit(restored(record(3, 'changed'), 0));
    comparison.visit(restored(record(5), 1)); // 4 is missing
    comparison.visit(restored(record(5), 2)); // a repeat
    comparison.visit(restored(record(6), 3, 0)); // original partition 1 in target partition 0
    const result = comparison.finish();
    expect(result.counts).toMatchObject({ matched: 1, differing: 1, unexpected: 2, missing: 2 });
    const shown = differences.toJSON().shown;
    expect(shown).toContainEqual(expect.objectContaining({ kind: 'record-differs', offset: '3', fields: ['value'] }));
    expect(shown).toContainEqual({ kind: 'record-missing', topic: 'orders', partition: 1, offset: '4' });
    expect(shown).toContainEqual({ kind: 'record-missing', topic: 'orders', partition: 1, offset: '6' });
    expect(shown.filter((d) => d.kind === 'record-unexpected')).toHaveLength(2);
    expect(result.partitions[0]!.restored_sha256).not.toBe(result.partitions[0]!.expected_sha256);
  });
});
