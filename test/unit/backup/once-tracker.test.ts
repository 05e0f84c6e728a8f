import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { OnceTracker } from '../../../src/backup/once-tracker.js';
import type { BackupRecord } from '../../../src/events/backup-record.js';
import type { OffsetsAdmin } from '../../../src/observability/consumer-lag.js';
import type { ManifestEntry } from '../../../src/storage/manifest.js';

const pair = { source: 'samples', event: 'sourced', topic: 'samples.sourced' };

function fakeAdmin(ends: Record<number, [low: string, high: string]>, committed: Record<number, string>): OffsetsAdmin {
  return {
    fetchTopicOffsets: async () =>
      Object.entries(ends).map(([p, [low, high]]) => ({ partition: Number(p), offset: high, high, low })),
    fetchOffsets: async () => [
      { topic: pair.topic, partitions: Object.entries(committed).map(([p, offset]) => ({ partition: Number(p), offset, metadata: null })) },
    ],
  } as unknown as OffsetsAdmin;
}

/** A durable batch of `offsets` as PairWorker reports it: its manifest entry and its records. */
function durable(partition: number, offsets: number[]): [ManifestEntry, BackupRecord[]] {
  const records = offsets.map((o) => ({ topic: pair.topic, partition, offset: String(o), timestamp: 0n, key: null, value: null, headers: [] }));
  const entry = { partition, firstOffset: String(offsets[0]), lastOffset: String(offsets.at(-1)), count: offsets.length, bytes: offsets.length * 10 } as ManifestEntry;
  return [entry, records];
}

describe('OnceTracker', () => {
  it('retries the end-offset lookup when kafkajs fails it transiently (a TypeError from inside kafkajs)', async () => {
    const admin = fakeAdmin({ 0: ['0', '10'] }, { 0: '4' });
    const real = admin.fetchTopicOffsets.bind(admin);
    let calls = 0;
    admin.fetchTopicOffsets = async (topic: string) => {
      calls += 1;
      if (calls === 1) throw new TypeError("Cannot destructure property 'partitions' of 'high.pop(...)' as it is undefined.");
      return real(topic);
    };
    const plan = await OnceTracker.plan(admin, [{ pair, groupIds: ['g'] }], true);
    expect(plan.map((p) => [p.partition, p.start, p.end])).toEqual([[0, 4n, 10n]]);
  });

  it('does not retry a lookup kafkajs already retried to its end (a broker that does not answer), and says what failed', async () => {
    const admin = fakeAdmin({ 0: ['0', '10'] }, { 0: '4' });
    let calls = 0;
    admin.fetchTopicOffsets = async () => {
      calls += 1;
      throw new kafkajs.KafkaJSNumberOfRetriesExceeded(new kafkajs.KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9'), { retryCount: 6, retryTime: 5000 });
    };
    await expect(OnceTracker.plan(admin, [{ pair, groupIds: ['g'] }], true)).rejects.toThrow(/could not read the end offsets: .*ECONNREFUSED/);
    expect(calls).toBe(1);
  });

  it('plans from the committed offsets to the end, stops once all is consumed, and completes on commits', async () => {
    const admin = fakeAdmin({ 0: ['0', '10'], 1: ['0', '5'], 2: ['3', '3'] }, { 0: '4', 1: '-1' });
    const plan = await OnceTracker.plan(admin, [{ pair, groupIds: ['g'] }], true);
    expect(plan.map((p) => [p.partition, p.start, p.end])).toEqual([
      [0, 4n, 10n],
      [1, 0n, 5n],
      [2, 3n, 3n],
    ]);
    let stops = 0;
    const tracker = new OnceTracker(plan, () => (stops += 1));
    expect(tracker.total).toBe(11);
    const advanced: number[] = [];
    tracker.attach({ advance: (files) => advanced.push(files) });
    tracker.begin();
    expect(stops).toBe(0);

    tracker.observer.onConsumed!(pair, 6, { partition: 0, lastOffset: '9' });
    expect(stops).toBe(0);
    // Events produced after the start (offset 5..) are not waited for.
    tracker.observer.onConsumed!(pair, 5, { partition: 1, lastOffset: '4' });
    expect(stops).toBe(1);
    tracker.observer.onConsumed!(pair, 1, { partition: 1, lastOffset: '5' });
    expect(stops).toBe(1);

    tracker.observer.onBatchDurable!(pair, ...durable(0, [4, 5, 6, 7, 8, 9]));
    tracker.observer.onBatchDurable!(pair, ...durable(1, [0, 1, 2, 3, 4, 5])); // one event past the plan
    expect(advanced).toEqual([6, 5]);
    expect(tracker.done).toBe(11);
    expect(tracker.result()).toMatchObject({ kind: 'incomplete' });
    tracker.observer.onCommitted!(pair, 0, '10');
    tracker.observer.onCommitted!(pair, 1, '6');
    expect(tracker.result()).toEqual({ kind: 'complete', events: 11 });
  });

  it('ends at once when nothing is left, and sees commits by other replicas', async () => {
    let stops = 0;
    const idle = new OnceTracker(await OnceTracker.plan(fakeAdmin({ 0: ['0', '7'] }, { 0: '7' }), [{ pair, groupIds: ['g'] }], true), () => (stops += 1));
    idle.begin();
    expect(stops).toBe(1);
    expect(idle.result()).toEqual({ kind: 'complete', events: 0 });

    const shared = new OnceTracker(await OnceTracker.plan(fakeAdmin({ 0: ['0', '7'] }, { 0: '2' }), [{ pair, groupIds: ['g'] }], true), () => (stops += 1));
    shared.begin();
    await shared.refreshFromBroker(fakeAdmin({ 0: ['0', '9'] }, { 0: '7' }), [{ pair, groupIds: ['g'] }], true);
    expect(stops).toBe(2);
    expect(shared.result().kind).toBe('complete');
  });

  it('counts the records backed up, not the offsets, where compaction or markers left gaps; progress covers every offset once committed', async () => {
    const plan = await OnceTracker.plan(fakeAdmin({ 0: ['0', '30'] }, { 0: '-1' }), [{ pair, groupIds: ['g'] }], true);
    const tracker = new OnceTracker(plan, () => {});
    const advanced: Array<[number, number]> = [];
    tracker.attach({ advance: (files, bytes) => advanced.push([files, bytes]) });
    expect(tracker.total).toBe(30);
    // Compaction kept 2, 5, 11 of the first batch's range, 17 and 20 of the second's.
    tracker.observer.onBatchDurable!(pair, ...durable(0, [2, 5, 11]));
    tracker.observer.onBatchDurable!(pair, ...durable(0, [17, 20]));
    // Offsets 21..29 were compacted away: the commit past them finishes the progress, with no bytes.
    tracker.observer.onCommitted!(pair, 0, '30');
    // A record produced after the start, fetched all the same: backed up, not counted.
    tracker.observer.onBatchDurable!(pair, ...durable(0, [31]));
    expect(tracker.done).toBe(5);
    expect(advanced).toEqual([
      [12, 30],
      [9, 20],
      [9, 0],
    ]);
    expect(advanced.reduce((n, [files]) => n + files, 0)).toBe(30);
    expect(tracker.result()).toEqual({ kind: 'complete', events: 5 });
  });
});
