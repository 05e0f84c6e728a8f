import { describe, expect, it } from 'vitest';
import { PartitionBatch } from '../../../src/backup/partition-batch.js';

const limits = { maxEvents: 3, maxAgeMs: 1000, maxBytes: 1_000_000 };
const record = (offset: number, size = 10) => ({
  topic: 't',
  partition: 0,
  offset: String(offset),
  timestamp: 0n,
  key: null,
  value: Buffer.alloc(size),
  headers: [],
});
const plain = { streams: [], malformed: false };

describe('PartitionBatch', () => {
  it('is full at the event limit', () => {
    const batch = new PartitionBatch('t', 0, 0);
    batch.add(record(0), 0, plain);
    batch.add(record(1), 0, plain);
    expect(batch.isFull(limits)).toBe(false);
    batch.add(record(2), 0, plain);
    expect(batch.isFull(limits)).toBe(true);
  });

  it('is full at the byte limit, whatever the count', () => {
    const batch = new PartitionBatch('t', 0, 0);
    batch.add(record(0, 2000), 0, plain);
    expect(batch.isFull({ ...limits, maxBytes: 2000 })).toBe(true);
  });

  it('is due when its oldest event has waited the age limit, counted from the first event', () => {
    const batch = new PartitionBatch('t', 0, 0);
    expect(batch.isDue(10_000, limits)).toBe(false); // empty: never due
    batch.add(record(0), 100, plain);
    batch.add(record(1), 900, plain);
    expect(batch.isDue(1099, limits)).toBe(false);
    expect(batch.isDue(1100, limits)).toBe(true);
    expect(batch.age(1100)).toBe(1000);
  });
});
