import { describe, expect, it } from 'vitest';
import { backupRecordType, fromAvroRecord, recordSize, toAvroRecord, type BackupRecord } from '../../../src/events/backup-record.js';

const record: BackupRecord = {
  topic: 'samples.sourced',
  partition: 3,
  offset: '9223372036854775807',
  timestamp: -1n,
  key: Buffer.from('k'),
  value: Buffer.alloc(0),
  headers: [
    { key: 'trace', value: Buffer.from([0, 255]) },
    { key: 'trace', value: null },
    { key: 'empty', value: Buffer.alloc(0) },
  ],
};

describe('the backup record in Avro', () => {
  it('round-trips through the schema exactly: a 64-bit offset, a negative timestamp, null apart from empty, headers in order with repeats', () => {
    const bytes = backupRecordType.toBuffer(toAvroRecord(record));
    const back = fromAvroRecord(backupRecordType.fromBuffer(bytes));
    expect(back).toEqual(record);
    expect(back.value).not.toBeNull();
    expect(back.headers[1]!.value).toBeNull();
  });

  it('keeps a timestamp beyond 2^53 exact (nanoseconds a producer wrote)', () => {
    const nanos = { ...record, timestamp: 1_700_000_000_123_456_789n, key: null, value: null };
    expect(fromAvroRecord(backupRecordType.fromBuffer(backupRecordType.toBuffer(toAvroRecord(nanos))))).toEqual(nanos);
  });

  it('is named streamvault.v1.KafkaRecord (readers pick the schema by it)', () => {
    expect(backupRecordType.name).toBe('streamvault.v1.KafkaRecord');
  });

  it('refuses an offset that is not a decimal integer', () => {
    expect(() => toAvroRecord({ ...record, offset: '12.5' })).toThrow(SyntaxError);
  });
});

describe('recordSize', () => {
  it('counts the topic, key, value and headers with a fixed overhead per record and per header', () => {
    expect(recordSize(record)).toBe(64 + 'samples.sourced'.length + 1 + 0 + ('trace'.length + 2 + 16) + ('trace'.length + 16) + ('empty'.length + 16));
    expect(recordSize({ ...record, key: null, value: null, headers: [] })).toBe(64 + 'samples.sourced'.length);
  });
});
