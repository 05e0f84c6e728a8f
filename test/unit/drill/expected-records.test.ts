import { describe, expect, it } from 'vitest';
import { readExpectedRecords } from '../../../src/drill/expected-records.js';
import { fingerprintBackupRecord } from '../../../src/drill/record-fingerprint.js';
import { decodeContainer } from '../../../src/events/avro-container.js';
import { buildRestorePlan, type PlannedPartition } from '../../../src/restore/restore-plan.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { flipOneBit, writeFixtureBackup } from '../../helpers/backup-fixture.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const layout = new KeyLayout('');

/** The fixture backup (2 pairs x 2 partitions x 2 batches of 5 records) and its planned partitions. */
async function fixture(): Promise<{ store: MemoryObjectStore; partitions: readonly PlannedPartition[] }> {
  const store = new MemoryObjectStore();
  await writeFixtureBackup(store, layout, { codec: 'null' });
  const plan = await buildRestorePlan(store, layout, { sources: [], events: [], what: 'events', sinceMs: undefined, untilMs: undefined }, { concurrency: 2 });
  return { store, partitions: plan.partitions };
}

describe('readExpectedRecords', () => {
  it('names a backup object that does not match its manifest', async () => {
    const store = { get: async () => Buffer.from('not avro') } as never;
    const batch = { key: 'events/x.avro', sha256: '0'.repeat(64), count: 1 } as never;
    const read = await readExpectedRecords(store, [{ source: 's', event: 'e', topic: 'orders', partition: 1, batches: [batch] }], []);
    expect(read.unreadable).toEqual([{ key: 'events/x.avro', reason: expect.stringContaining(`expected sha256 ${'0'.repeat(64)} (manifest)`) }]);
  });

  it('reads every record of every planned partition in offset order, fingerprinted from the object itself', async () => {
    const { store, partitions } = await fixture();
    const read = await readExpectedRecords(store, partitions, []);
    expect(read.unreadable).toEqual([]);
    expect(read.partitions.map((p) => [p.topic, p.partition, p.records.map((r) => Number(r.offset))])).toEqual([
      ['samples.sourced', 0, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
      ['samples.sourced', 1, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
      ['system.insert', 0, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
      ['system.insert', 1, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
    ]);
    const first = partitions[0]!.batches[0]!;
    const decoded = await decodeContainer(store.objects.get(first.key)!.body);
    expect(read.partitions[0]!.records[0]!.fingerprint).toEqual(fingerprintBackupRecord(decoded[0]!));
  });

  it('takes each offset once when backup objects overlap, and only offsets inside the ranges', async () => {
    const { store, partitions } = await fixture();
    const p = partitions[0]!;
    const overlapping = { ...p, batches: [p.batches[0]!, p.batches[0]!, p.batches[1]!] };
    const read = await readExpectedRecords(store, [overlapping], [{ topic: p.topic, partition: p.partition, from: 3n, to: 6n }]);
    expect(read.partitions[0]!.records.map((r) => r.offset)).toEqual([3n, 4n, 5n, 6n]);
  });

  it('stops a partition at an object it cannot trust, naming it and why; later objects are left out', async () => {
    const { store, partitions } = await fixture();
    const [a, b, c] = partitions;
    store.objects.set(a!.batches[0]!.key, { body: flipOneBit(store.objects.get(a!.batches[0]!.key)!.body), options: {} });
    store.objects.delete(b!.batches[1]!.key);
    const read = await readExpectedRecords(store, [a!, b!, { ...c!, batches: [{ ...c!.batches[0]!, count: 4 }] }], []);
    expect(read.partitions.map((p) => p.records.length)).toEqual([0, 5, 0]);
    expect(read.unreadable).toEqual([
      { key: a!.batches[0]!.key, reason: expect.stringMatching(/^expected sha256 [0-9a-f]{64} \(manifest\), got [0-9a-f]{64} \(\d+ bytes\)$/) },
      { key: b!.batches[1]!.key, reason: expect.stringMatching(/^cannot read it: .*does not exist/) },
      { key: c!.batches[0]!.key, reason: 'expected 4 records (manifest), got 5' },
    ]);
  });
});
