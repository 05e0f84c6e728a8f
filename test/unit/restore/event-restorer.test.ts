import type { ProducerRecord, RecordMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { BatchWriter } from '../../../src/backup/batch-writer.js';
import { PartitionBatch } from '../../../src/backup/partition-batch.js';
import { manifestOnlyPipeline } from '../../../src/streams/stream-pipeline.js';
import { createLogger } from '../../../src/observability/logger.js';
import { restoreEvents, targetPartition } from '../../../src/restore/event-restorer.js';
import type { RestoreScope, PlannedPartition } from '../../../src/restore/restore-plan.js';
import type { RestoredBatchLine } from '../../../src/restore/restore-journal.js';
import { partitionId } from '../../../src/restore/resume-decision.js';
import { originalPosition } from '../../../src/restore/restored-record.js';
import { Throttle } from '../../../src/restore/throttle.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import type { ManifestEntry } from '../../../src/storage/manifest.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const T0 = 1_767_322_800_000n;

/** A target topic with one partition whose log starts at `high` (what an earlier run left there). */
function fakeProducer(high = 0) {
  const log: Array<{ at: number; origin: bigint; value: string }> = [];
  let next = high;
  const producer = {
    send: async (record: ProducerRecord): Promise<RecordMetadata[]> => {
      const baseOffset = next;
      for (const m of record.messages) {
        const origin = originalPosition(m.headers as never)!;
        log.push({ at: next, origin: origin.offset, value: String(m.value) });
        next += 1;
      }
      return [{ topicName: record.topic, partition: 0, errorCode: 0, baseOffset: String(baseOffset) }];
    },
  };
  return { producer, log };
}

/** A backup object of `orig`/0 holding original offsets `from..to`, each with a timestamp T0 + offset. */
async function batch(store: MemoryObjectStore, from: number, to: number): Promise<ManifestEntry> {
  const writer = new BatchWriter({ store, layout: new KeyLayout(''), codec: 'null', streamSink: manifestOnlyPipeline(), now: () => new Date(0) });
  const b = new PartitionBatch('orig', 0, 0);
  for (let offset = from; offset <= to; offset += 1) {
    b.add({ topic: 'orig', partition: 0, offset: String(offset), timestamp: T0 + BigInt(offset), key: null, value: Buffer.from(`v${offset}`), headers: [] }, 0, { streams: [], malformed: false });
  }
  return writer.write({ source: 's', event: 'e', topic: 'orig' }, b);
}

async function restore(
  store: MemoryObjectStore,
  batches: ManifestEntry[],
  options: { restoredUpTo?: bigint; high?: number; scope?: Partial<RestoreScope>; producer?: ReturnType<typeof fakeProducer>; produceBatchEvents?: number } = {},
) {
  const planned: PlannedPartition = { source: 's', event: 'e', topic: 'orig', partition: 0, batches };
  const { producer, log } = options.producer ?? fakeProducer(options.high);
  const journaled: RestoredBatchLine[] = [];
  const errors: string[] = [];
  const progress: Array<[number, number]> = [];
  const high = BigInt(options.high ?? 0);
  const result = await restoreEvents([planned], {
    store,
    producer,
    journal: { appendBatch: async (l) => void journaled.push(l) },
    throttle: new Throttle({ eventsPerSecond: 0, bytesPerSecond: 0 }),
    logger: createLogger('silent'),
    scope: { sources: [], events: [], what: 'events', sinceMs: undefined, untilMs: undefined, ...options.scope },
    targetTopicOf: () => 'target',
    bounds: new Map([['target', [{ low: 0n, high }]]]),
    restoredUpTo: new Map(options.restoredUpTo === undefined ? [] : [[partitionId('target', 'orig', 0), options.restoredUpTo]]),
    produceBatchEvents: options.produceBatchEvents ?? 100,
    produceBatchBytes: 900_000,
    concurrency: 1,
    pairOrder: { entries: [] },
    onProgress: (files, bytes) => progress.push([files, bytes]),
    onError: (item, error) => errors.push(`${item}: ${error}`),
  });
  return { result, log, journaled, errors, progress };
}

describe('restoring one partition (restoreEvents)', () => {
  it('produces only the records after what the target holds, and journals the batch as what this run wrote', async () => {
    const store = new MemoryObjectStore();
    const b1 = await batch(store, 0, 4);
    const { result, log, journaled } = await restore(store, [b1], { restoredUpTo: 2n, high: 3 });
    expect(log).toEqual([
      { at: 3, origin: 3n, value: 'v3' },
      { at: 4, origin: 4n, value: 'v4' },
    ]);
    expect(result).toMatchObject({ produced: 2, skippedPresent: 3 });
    expect(journaled.map((l) => ({ key: l.key, from: l.from, to: l.to, count: l.count, targets: l.targets, after: l.after }))).toEqual([
      { key: b1.key, from: '3', to: '4', count: 2, targets: { '0': ['3', '4'] }, after: { '0': '5' } },
    ]);
  });

  it('does not read a backup object the target already holds whole', async () => {
    const store = new MemoryObjectStore();
    const b1 = await batch(store, 0, 4);
    const b2 = await batch(store, 5, 9);
    const { log, journaled, progress } = await restore(store, [b1, b2], { restoredUpTo: 4n, high: 5 });
    expect(store.calls.filter((c) => c.op === 'get').map((c) => c.key)).toEqual([b2.key]);
    expect(log.map((r) => r.origin)).toEqual([5n, 6n, 7n, 8n, 9n]);
    expect(journaled.map((l) => l.key)).toEqual([b2.key]);
    expect(progress).toEqual([[1, b2.bytes]]);
  });

  it('skips records repeated by overlapping backup objects (a rebalance wrote them twice), writing each offset once', async () => {
    const store = new MemoryObjectStore();
    const b1 = await batch(store, 0, 4);
    const b2 = await batch(store, 3, 7);
    const { result, log } = await restore(store, [b1, b2]);
    expect(log.map((r) => r.origin)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n]);
    expect(result.skippedPresent).toBe(2);
  });

  it('stops the partition at a corrupt backup object: later batches are not produced, named in the error, and not journaled', async () => {
    const store = new MemoryObjectStore();
    const b1 = await batch(store, 0, 2);
    const b2 = await batch(store, 3, 5);
    const b3 = await batch(store, 6, 8);
    const stored = store.objects.get(b2.key)!;
    store.objects.set(b2.key, { ...stored, body: Buffer.concat([stored.body, Buffer.from('x')]) });
    const { result, log, journaled, errors } = await restore(store, [b1, b2, b3]);
    expect(log.map((r) => r.origin)).toEqual([0n, 1n, 2n]);
    expect(journaled.map((l) => l.key)).toEqual([b1.key]);
    expect(result.failedBatches).toBe(2);
    expect(errors[0]).toContain(`${b2.key}: backup object ${b2.key}: expected sha256 ${b2.sha256}`);
    expect(errors[1]).toBe(`orig/0: partition stopped before offset 3 because ${b2.key} could not be restored; 1 later batch(es) not restored: ${b3.key}`);
  });

  it('builds the next request while one is in flight, but sends them one at a time, in order, and journals only once all were acked', async () => {
    const store = new MemoryObjectStore();
    const b1 = await batch(store, 0, 9);
    const target = fakeProducer();
    let inFlight = 0;
    let most = 0;
    const acked: number[] = [];
    const send = target.producer.send;
    target.producer.send = async (record) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const metadata = await send(record);
      inFlight -= 1;
      acked.push(record.messages.length);
      return metadata;
    };
    const journaledAfter: number[] = [];
    const { log, journaled } = await restore(store, [b1], { producer: target, produceBatchEvents: 3 });
    journaledAfter.push(acked.length);
    expect(most).toBe(1);
    expect(acked).toEqual([3, 3, 3, 1]);
    expect(log.map((r) => r.origin)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n]);
    expect(journaled.map((l) => [l.from, l.to, l.count, l.targets])).toEqual([['0', '9', 10, { '0': ['0', '9'] }]]);
  });

  it('a request that fails stops the partition: nothing after it is sent, and the batch is not journaled', async () => {
    const store = new MemoryObjectStore();
    const b1 = await batch(store, 0, 9);
    const target = fakeProducer();
    let sends = 0;
    const send = target.producer.send;
    target.producer.send = async (record) => {
      sends += 1;
      if (sends === 2) throw Object.assign(new Error('The broker refused the record'), { name: 'KafkaJSProtocolError', type: 'INVALID_RECORD', retriable: false });
      return send(record);
    };
    const { result, log, journaled, errors } = await restore(store, [b1], { producer: target, produceBatchEvents: 3 });
    expect(sends).toBe(2);
    expect(log.map((r) => r.origin)).toEqual([0n, 1n, 2n]);
    expect(journaled).toEqual([]);
    expect(result.produceFailures).toBe(1);
    expect(errors[0]).toContain('orig/0: producing to target failed at batch');
  });

  it('leaves out records outside --since/--until but moves past them, so the journal still covers the batch', async () => {
    const store = new MemoryObjectStore();
    const b1 = await batch(store, 0, 4);
    const { result, log, journaled } = await restore(store, [b1], { scope: { sinceMs: Number(T0 + 1n), untilMs: Number(T0 + 3n) } });
    expect(log.map((r) => r.origin)).toEqual([1n, 2n, 3n]);
    expect(result).toMatchObject({ produced: 3, skippedByTime: 2 });
    expect(journaled.map((l) => [l.from, l.to, l.count])).toEqual([['1', '3', 3]]);
  });
});

describe('targetPartition', () => {
  const record = { topic: 'samples.sourced', partition: 2, offset: '41', timestamp: T0, key: Buffer.from('k'), value: null, headers: [] };

  it('keeps the partition number when the target has it, else partitions by key deterministically', () => {
    expect(targetPartition('t', record, 4)).toBe(2);
    const byKey = targetPartition('t', { ...record, partition: 9 }, 4);
    expect(byKey).toBe(targetPartition('t', { ...record, partition: 7 }, 4));
    expect(targetPartition('t', { ...record, partition: 9, key: null }, 4)).toBe(1);
  });
});
