import { describe, expect, it } from 'vitest';
import { fingerprintBackupRecord, fingerprintScratchRecord, scratchOrigin } from '../../../src/drill/record-fingerprint.js';
import type { ScratchRecord } from '../../../src/drill/scratch-topic-reader.js';
import type { BackupRecord } from '../../../src/events/backup-record.js';
import { ORIGINAL_OFFSET, ORIGINAL_PARTITION, ORIGINAL_TOPIC, toRestoredMessage } from '../../../src/restore/restored-record.js';

const record: BackupRecord = {
  topic: 'orders',
  partition: 1,
  offset: '41',
  timestamp: 1_700_000_000_000n,
  key: Buffer.from('k'),
  value: Buffer.from('v'),
  headers: [{ key: 'a', value: Buffer.from('1') }, { key: 'b', value: null }, { key: 'a', value: Buffer.from('2') }],
};

/** The record as kafkajs reads it back from the scratch topic after a restore. */
function scratch(r: BackupRecord): ScratchRecord {
  const { message } = toRestoredMessage(r, 0);
  return { topic: 'drill-orders', partition: 0, offset: 0n, key: message.key as Buffer, value: message.value as Buffer, timestamp: String(message.timestamp), headers: message.headers! };
}

describe('record fingerprints', () => {
  it('agree for a faithful restore: null header values sent empty, repeated keys grouped, the position headers left out', () => {
    expect(fingerprintScratchRecord(scratch(record))).toEqual(fingerprintBackupRecord(record));
  });

  it('tell each field apart, and a null value from an empty one', () => {
    const base = fingerprintBackupRecord(record);
    const changed = (r: Partial<BackupRecord>) => fingerprintBackupRecord({ ...record, ...r });
    expect(changed({ key: null })).toEqual({ ...base, key: changed({ key: null }).key });
    expect(changed({ key: null }).key).not.toBe(base.key);
    expect(changed({ value: null }).value).not.toBe(changed({ value: Buffer.alloc(0) }).value);
    expect(changed({ timestamp: 5n }).timestamp).toBe('5');
    expect(changed({ headers: [{ key: 'a', value: Buffer.from('1') }] }).headers).not.toBe(base.headers);
    expect(base.key).toMatch(/^[0-9a-f]{32}$/);
  });

  it('keep a restored record\'s own earlier position headers (a record restored twice)', () => {
    const once = toRestoredMessage(record, 0).message;
    const restoredBefore: BackupRecord = {
      ...record,
      headers: Object.entries(once.headers!).flatMap(([key, v]) => (Array.isArray(v) ? v : [v]).map((value) => ({ key, value: value as Buffer }))),
    };
    expect(fingerprintScratchRecord(scratch(restoredBefore))).toEqual(fingerprintBackupRecord(restoredBefore));
  });
});

describe('scratchOrigin', () => {
  it('reads where the restore says the record came from, the last position header winning', () => {
    expect(scratchOrigin(scratch(record).headers)).toEqual({ topic: 'orders', partition: 1, offset: 41n });
    const twice = { [ORIGINAL_TOPIC]: [Buffer.from('old'), Buffer.from('orders')], [ORIGINAL_PARTITION]: [Buffer.from('9'), Buffer.from('2')], [ORIGINAL_OFFSET]: Buffer.from('7') };
    expect(scratchOrigin(twice)).toEqual({ topic: 'orders', partition: 2, offset: 7n });
  });

  it('is undefined without the headers or with a position that is not a number', () => {
    expect(scratchOrigin({})).toBeUndefined();
    expect(scratchOrigin({ [ORIGINAL_TOPIC]: Buffer.from('t'), [ORIGINAL_PARTITION]: Buffer.from('x'), [ORIGINAL_OFFSET]: Buffer.from('1') })).toBeUndefined();
  });
});
