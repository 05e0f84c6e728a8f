import { describe, expect, it } from 'vitest';
import {
  DIGEST_MODULUS,
  ORIGINAL_OFFSET,
  ORIGINAL_PARTITION,
  ORIGINAL_TOPIC,
  addDigest,
  comparableFromBackup,
  originalPosition,
  recordDigest,
  toRestoredMessage,
} from '../../../src/restore/restored-record.js';

const record = {
  topic: 'samples.sourced',
  partition: 2,
  offset: '41',
  timestamp: 1_767_322_800_000n,
  key: Buffer.from('k'),
  value: null,
  headers: [
    { key: 'a', value: Buffer.from('1') },
    { key: 'a', value: null },
  ],
};

describe('toRestoredMessage', () => {
  it('carries the original position and sends null header values as empty ones, counted', () => {
    const { message, nullHeaders } = toRestoredMessage(record, 0);
    expect(nullHeaders).toBe(1);
    expect(message.headers!.a).toEqual([Buffer.from('1'), Buffer.alloc(0)]);
    expect(originalPosition(message.headers)).toEqual({ topic: 'samples.sourced', partition: 2, offset: 41n });
    expect(message.timestamp).toBe('1767322800000');
  });

  it('sends header keys named like Object.prototype members as headers, exactly as kafkajs encodes them', () => {
    const poison = { ...record, headers: ['constructor', '__proto__', 'toString', 'constructor'].map((key, i) => ({ key, value: Buffer.from(`v${i}`) })) };
    const { message } = toRestoredMessage(poison, 0);
    const headers = message.headers!;
    expect(Object.keys(headers)).toEqual(['constructor', '__proto__', 'toString', 'streamvault.original.topic', 'streamvault.original.partition', 'streamvault.original.offset']);
    expect(headers['constructor']).toEqual([Buffer.from('v0'), Buffer.from('v3')]);
    expect(headers['__proto__']).toEqual(Buffer.from('v1'));
    expect(headers['toString']).toEqual(Buffer.from('v2'));
  });

  it('restoring a restored record appends its position after the old one, and the last one is read back', () => {
    const first = toRestoredMessage(record, 0).message;
    const again = {
      ...record,
      topic: 'restored.sourced',
      partition: 0,
      offset: '7',
      headers: Object.entries(first.headers!).flatMap(([key, v]) => (Array.isArray(v) ? v : [v]).map((value) => ({ key, value: value as Buffer }))),
    };
    const { message } = toRestoredMessage(again, 3);
    expect(message.headers![ORIGINAL_TOPIC]).toEqual([Buffer.from('samples.sourced'), Buffer.from('restored.sourced')]);
    expect(message.partition).toBe(3);
    expect(originalPosition(message.headers)).toEqual({ topic: 'restored.sourced', partition: 0, offset: 7n });
  });
});

describe('originalPosition', () => {
  const headers = { [ORIGINAL_TOPIC]: Buffer.from('t'), [ORIGINAL_PARTITION]: Buffer.from('3'), [ORIGINAL_OFFSET]: Buffer.from('12345678901234567890') };

  it('reads a position beyond 2^53 exactly', () => {
    expect(originalPosition(headers)).toEqual({ topic: 't', partition: 3, offset: 12345678901234567890n });
  });

  it('is undefined for a record not written by a restore, or with a position that is not a number', () => {
    expect(originalPosition(undefined)).toBeUndefined();
    expect(originalPosition({})).toBeUndefined();
    expect(originalPosition({ ...headers, [ORIGINAL_OFFSET]: undefined })).toBeUndefined();
    expect(originalPosition({ ...headers, [ORIGINAL_PARTITION]: Buffer.from('-1') })).toBeUndefined();
    expect(originalPosition({ ...headers, [ORIGINAL_OFFSET]: Buffer.from('12a') })).toBeUndefined();
  });
});

describe('recordDigest', () => {
  it('digests differ when any reproduced field differs', () => {
    const base = recordDigest(comparableFromBackup(record));
    expect(recordDigest(comparableFromBackup({ ...record }))).toBe(base);
    expect(recordDigest(comparableFromBackup({ ...record, value: Buffer.alloc(0) }))).not.toBe(base);
    expect(recordDigest(comparableFromBackup({ ...record, offset: '42' }))).not.toBe(base);
    expect(recordDigest(comparableFromBackup({ ...record, timestamp: record.timestamp + 1n }))).not.toBe(base);
  });

  it('digests a record the same from the message built for its produce request, whatever the target partition', () => {
    const withHeaders = { ...record, headers: [{ key: 'h', value: Buffer.from('1') }, { key: 'h', value: null }] };
    const fresh = recordDigest(comparableFromBackup(withHeaders));
    for (const partition of [0, withHeaders.partition, 7]) {
      expect(recordDigest(comparableFromBackup(withHeaders, toRestoredMessage(withHeaders, partition).message))).toBe(fresh);
    }
    expect(recordDigest(comparableFromBackup(withHeaders, toRestoredMessage(record, 0).message))).not.toBe(fresh);
  });

  it('stays the digest restore journals already hold: fixed values for fixed records', () => {
    // A journal written by an earlier version is compared with these on resume: changing how a
    // record is digested (its framing, the field order, the hash) needs a new journal version.
    const full = {
      ...record,
      value: Buffer.from('the value \u00e9'),
      headers: [
        { key: 'a', value: Buffer.from('1') },
        { key: 'b', value: null },
        { key: 'a', value: Buffer.from([0, 255]) },
        { key: '\u00e9', value: Buffer.alloc(0) },
      ],
    };
    expect(recordDigest(comparableFromBackup(full)).toString(16)).toBe('32f9b30bcc5792606768034f37cd7648');
    expect(recordDigest(comparableFromBackup({ ...full, key: null, value: null, headers: [] })).toString(16)).toBe('8c221ec52193635e2c5597f422bbde6d');
    // A header value kafkajs holds as a string is digested as its UTF-8 bytes, like the same Buffer.
    const asBuffer = comparableFromBackup(full);
    const asString = { ...asBuffer, headers: { ...asBuffer.headers, b: '' } };
    expect(recordDigest(asString)).toBe(recordDigest(asBuffer));
  });

  it('is a 128-bit number that ignores the original-position headers', () => {
    const comparable = comparableFromBackup(record);
    const digest = recordDigest(comparable);
    expect(digest).toBeGreaterThanOrEqual(0n);
    expect(digest).toBeLessThan(DIGEST_MODULUS);
    const withoutPosition = Object.fromEntries(Object.entries(comparable.headers).filter(([k]) => !k.startsWith('streamvault.original.')));
    expect(recordDigest({ ...comparable, headers: withoutPosition })).toBe(digest);
  });
});

describe('addDigest', () => {
  it('sums modulo 2^128, so the order records are added in does not matter', () => {
    const a = DIGEST_MODULUS - 1n;
    const b = 5n;
    expect(addDigest(a, b)).toBe(4n);
    expect(addDigest(addDigest(0n, a), b)).toBe(addDigest(addDigest(0n, b), a));
  });
});
