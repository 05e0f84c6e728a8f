import { describe, expect, it } from 'vitest';
import { decodeContainer, encodeContainer } from '../../../src/events/avro-container.js';
import type { BackupRecord } from '../../../src/events/backup-record.js';

const records: BackupRecord[] = [
  {
    topic: 'samples.sourced',
    partition: 1,
    offset: '5',
    timestamp: 1_700_000_000_123n,
    key: null,
    value: Buffer.alloc(0),
    headers: [
      { key: 'a', value: null },
      { key: 'b', value: Buffer.from('x') },
      { key: 'a', value: Buffer.alloc(0) },
    ],
  },
  {
    topic: 'samples.sourced',
    partition: 1,
    offset: '9007199254740993',
    timestamp: 1n,
    key: Buffer.from([0, 255, 1]),
    value: null,
    headers: [],
  },
];

describe('avro container', () => {
  for (const codec of ['null', 'deflate'] as const) {
    it(`round-trips records exactly with the ${codec} codec`, async () => {
      const bytes = await encodeContainer(records, { codec, seed: 'key-1' });
      expect(bytes.subarray(0, 4)).toEqual(Buffer.from('Obj\x01', 'latin1'));
      const decoded = await decodeContainer(bytes);
      expect(decoded).toEqual(records);
      // null and empty stay distinct
      expect(decoded[0]?.key).toBeNull();
      expect(decoded[0]?.value).toEqual(Buffer.alloc(0));
      expect(decoded[1]?.value).toBeNull();
      expect(decoded[0]?.headers[0]?.value).toBeNull();
      expect(decoded[0]?.headers[2]?.value).toEqual(Buffer.alloc(0));
    });
  }

  it('writes identical bytes for the same batch and seed, so a replay rewrites the same object', async () => {
    const a = await encodeContainer(records, { codec: 'deflate', seed: 'k' });
    const b = await encodeContainer(records, { codec: 'deflate', seed: 'k' });
    const c = await encodeContainer(records, { codec: 'deflate', seed: 'other' });
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  });

  it('rejects a truncated container', async () => {
    const bytes = await encodeContainer(records, { codec: 'deflate', seed: 'k' });
    await expect(decodeContainer(bytes.subarray(0, bytes.length - 20))).rejects.toThrow();
  });

  it('rejects bytes that are not a container', async () => {
    await expect(decodeContainer(Buffer.from('not avro at all'))).rejects.toThrow();
  });
});
