import kafkajs, { type Consumer, type ConsumerConfig } from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';
import { BatchWriter } from '../../../src/backup/batch-writer.js';
import { opaqueInspector } from '../../../src/backup/event-inspector.js';
import { BackupConsumer } from '../../../src/backup/backup-consumer.js';
import { PairWorker, type PairWorkerDeps } from '../../../src/backup/pair-worker.js';
import { decodeContainer } from '../../../src/events/avro-container.js';
import { createLogger } from '../../../src/observability/logger.js';
import { ReadinessProblems } from '../../../src/observability/readiness-problems.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import type { PutOptions } from '../../../src/storage/object-store.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';
import { FakeConsumer } from '../../helpers/fake-kafkajs-consumer.js';
import { until } from '../../helpers/until.js';

const pair = { source: 'samples', event: 'sourced', topic: 'samples.sourced' };

/** Offsets held by the events objects in the store (read back with the Avro reader). */
async function offsetsInStore(store: MemoryObjectStore): Promise<Set<bigint>> {
  const held = new Set<bigint>();
  for (const [key, object] of store.objects) {
    if (!key.startsWith('events/')) continue;
    for (const record of await decodeContainer(object.body)) held.add(BigInt(record.offset));
  }
  return held;
}

function expectNoCommitPastAHole(commits: ReadonlyArray<{ offset: string }>, held: Set<bigint>): void {
  for (const commit of commits) {
    for (let o = 0n; o < BigInt(commit.offset); o++) expect(held.has(o), `committed ${commit.offset} but offset ${o} is in no object`).toBe(true);
  }
}

/**
 * One pair worker behind the shared consumer (backup-consumer.ts) around a fake kafkajs consumer.
 * The admin answers no commit in the backup group and `legacy` for the pair's former group.
 */
function setup(
  store: MemoryObjectStore,
  readiness?: ReadinessProblems,
  gaps?: PairWorkerDeps['gaps'],
  legacy: Record<number, string> = {},
  maxEvents = 1000,
  conditionalWrites = false,
) {
  const consumer = new FakeConsumer(pair.topic);
  let now = 0;
  const limits = { maxEvents, maxAgeMs: 100, maxBytes: 1 << 30 };
  const shared = new BackupConsumer({
    createConsumer: (config: ConsumerConfig) => {
      consumer.config = config;
      return consumer as unknown as Consumer;
    },
    groupId: 'g',
    legacyGroupIdOf: (p) => `g.${p.source}.${p.event}`,
    admin: {
      fetchOffsets: async ({ groupId }: { groupId: string }) => [
        {
          topic: pair.topic,
          partitions: groupId === 'g' ? [{ partition: 0, offset: '-1', metadata: null }] : Object.entries(legacy).map(([p, offset]) => ({ partition: Number(p), offset, metadata: null })),
        },
      ],
    } as never,
    fromBeginning: true,
    sessionTimeoutMs: 30_000,
    limits,
    logger: createLogger('silent'),
    monotonicNow: () => now,
    onFatal: (error) => {
      throw error;
    },
  });
  const worker = new PairWorker({
    pair,
    consumer: shared,
    limits,
    writer: new BatchWriter({ store, layout: new KeyLayout(''), codec: 'null', streamSink: { persist: async () => {} }, now: () => new Date(0), conditionalWrites }),
    inspector: opaqueInspector,
    logger: createLogger('silent'),
    monotonicNow: () => now,
    wallNow: () => 0,
    readiness,
    gaps,
  });
  shared.serve([worker]);
  const started = {
    /** The shared consumer starts, joins and settles the start offsets of partition 0. */
    start: async (untilResumed = true) => {
      await shared.start();
      if (untilResumed) await until('partition 0 resumed after the join', async () => (consumer.pauses.some((p) => p.op === 'resume') ? true : undefined), 10_000, 5);
    },
    drain: () => shared.drain(),
  };
  return { consumer, worker, shared: started, age: (ms: number) => (now += ms) };
}

describe('PairWorker', () => {
  it('restarts its consumer after a transient crash while running, and never after it was drained', async () => {
    const { consumer, worker, shared } = setup(new MemoryObjectStore());
    await shared.start();
    expect(consumer.runs).toBe(1);
    // kafkajs would schedule its own restart even after disconnect, and restart for ever.
    expect(await consumer.config?.retry?.restartOnFailure?.(new Error('any'))).toBe(false);
    const lost = new kafkajs.KafkaJSNumberOfRetriesExceeded(new kafkajs.KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9'), { retryCount: 6, retryTime: 5000 });
    consumer.crash(lost);
    await until('the consumer restarted', async () => (consumer.runs === 2 ? true : undefined), 10_000, 20);
    await shared.drain();
    // A retry series that was in flight at the drain ends in a crash: nothing restarts now.
    vi.useFakeTimers();
    try {
      consumer.crash(lost);
      await vi.advanceTimersByTimeAsync(60_000);
    } finally {
      vi.useRealTimers();
    }
    expect(consumer.runs).toBe(2);
    expect(worker.state).toBe('stopped');
  });

  it('never commits past a batch that failed for good while draining, even when S3 is back for the next batch', async () => {
    const store = new MemoryObjectStore();
    let outage = true;
    let failedPuts = 0;
    const { consumer, worker, age , shared } = setup(store);
    const put = store.put.bind(store);
    store.put = async (key: string, body: Buffer, options?: PutOptions) => {
      if (outage) {
        failedPuts += 1;
        // S3 comes back right after the batch used its last attempt of the drain.
        if (worker.state === 'draining' && failedPuts >= 3) outage = false;
        throw new Error('S3 unreachable');
      }
      return put(key, body, options);
    };
    await shared.start();
    await consumer.deliver(0, 14);
    age(1000); // the first batch (0..14) is due: the age flush starts and fails against the outage
    await until('the first failed write', async () => (failedPuts >= 1 ? true : undefined), 10_000, 10);
    await consumer.deliver(15, 29); // buffered behind it while it retries
    await shared.drain();

    expect(outage).toBe(false);
    const held = await offsetsInStore(store);
    expectNoCommitPastAHole(consumer.commits, held);
    expect(consumer.commits).toEqual([]);
    expect(worker.stats.droppedAfterFailure).toBe(15);
  }, 30_000);

  it('re-reads a partition from a batch that failed for good while running, and commits only what follows in order', async () => {
    const store = new MemoryObjectStore();
    let failNext = true;
    const { consumer, age , shared } = setup(store);
    const put = store.put.bind(store);
    store.put = async (key: string, body: Buffer, options?: PutOptions) => {
      if (failNext) {
        failNext = false;
        throw new TypeError('a bug in the writer: p-retry does not retry this'); // fails for good at once
      }
      return put(key, body, options);
    };
    await shared.start();
    await consumer.deliver(0, 9);
    age(1000);
    await until('a seek back', async () => (consumer.seeks.length > 0 ? true : undefined), 10_000, 10);
    expect(consumer.seeks).toEqual([{ partition: 0, offset: '0' }]);
    // kafkajs fetches again from the sought offset.
    await consumer.deliver(0, 19);
    age(1000);
    await until('a commit', async () => (consumer.commits.length > 0 ? true : undefined), 10_000, 10);
    await shared.drain();

    const held = await offsetsInStore(store);
    expectNoCommitPastAHole(consumer.commits, held);
    expect(consumer.commits.at(-1)).toEqual({ partition: 0, offset: '20' });
  }, 30_000);

  it('commits past transaction markers after the batch before them, and past a fetch of markers alone', async () => {
    const store = new MemoryObjectStore();
    const { consumer, age , shared } = setup(store);
    await shared.start();
    await consumer.deliver(0, 4, 6); // records 0..4, then a commit marker at 5 and aborted 6
    age(1000);
    await until('the batch commit', async () => (consumer.commits.length > 0 ? true : undefined), 10_000, 10);
    expect(consumer.commits).toEqual([{ partition: 0, offset: '7' }]);
    consumer.markers(9); // an aborted transaction and its marker, 7..9
    await until('the markers commit', async () => (consumer.commits.length > 1 ? true : undefined), 10_000, 10);
    expect(consumer.commits).toEqual([
      { partition: 0, offset: '7' },
      { partition: 0, offset: '10' },
    ]);
    await shared.drain();
    expect([...(await offsetsInStore(store))].sort()).toEqual([0n, 1n, 2n, 3n, 4n]);
  }, 30_000);

  it('never commits markers past a batch that is buffered or failed to be written', async () => {
    const store = new MemoryObjectStore();
    let failNext = true;
    const { consumer, age , shared } = setup(store);
    const put = store.put.bind(store);
    store.put = async (key: string, body: Buffer, options?: PutOptions) => {
      if (failNext) {
        failNext = false;
        throw new TypeError('a bug in the writer: p-retry does not retry this');
      }
      return put(key, body, options);
    };
    await shared.start();
    await consumer.deliver(0, 4);
    consumer.markers(6); // behind the buffered batch: covered by its commit, not committed alone
    expect(consumer.commits).toEqual([]);
    age(1000);
    await until('a seek back', async () => (consumer.seeks.length > 0 ? true : undefined), 10_000, 10);
    consumer.markers(8); // fetched before the seek took effect: must not commit past the failed batch
    await new Promise((resolve) => setImmediate(resolve));
    expect(consumer.commits).toEqual([]);
    await consumer.deliver(0, 4, 6);
    age(1000);
    await until('a commit', async () => (consumer.commits.length > 0 ? true : undefined), 10_000, 10);
    await shared.drain();
    expect(consumer.commits).toEqual([{ partition: 0, offset: '7' }]);
    expect([...(await offsetsInStore(store))].sort()).toEqual([0n, 1n, 2n, 3n, 4n]);
  }, 30_000);

  it('reports a partition stuck on a batch it cannot write to readiness, and clears it once the batch is durable', async () => {
    const store = new MemoryObjectStore();
    const readiness = new ReadinessProblems();
    let outage = true;
    let failedPuts = 0;
    const { consumer, age , shared } = setup(store, readiness);
    const put = store.put.bind(store);
    store.put = async (key: string, body: Buffer, options?: PutOptions) => {
      if (outage) {
        failedPuts += 1;
        throw new Error('S3 unreachable');
      }
      return put(key, body, options);
    };
    await shared.start();
    await consumer.deliver(0, 9);
    age(1000);
    const stuck = await until('the partition reported stuck', async () => readiness.list().find((line) => line.startsWith(`partition ${pair.topic}/0:`)), 20_000, 20);
    expect(stuck).toContain('batch from offset 0 not written after 3 attempts');
    expect(stuck).toContain('S3 unreachable');
    expect(consumer.commits).toEqual([]);
    outage = false;
    await until('the batch committed', async () => (consumer.commits.length > 0 ? true : undefined), 40_000, 20);
    expect(consumer.commits).toEqual([{ partition: 0, offset: '10' }]);
    expect([...(await offsetsInStore(store))].sort()).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(i)));
    expect(readiness.list()).toEqual([]);
    expect(failedPuts).toBeGreaterThanOrEqual(3);
    await shared.drain();
  }, 60_000);

  it('keeps an assigned partition paused until its retention gap check is done, and reads on from the log start after a gap', async () => {
    const store = new MemoryObjectStore();
    let release: () => void = () => {};
    const checked = new Promise<void>((resolve) => (release = resolve));
    const asked: number[][] = [];
    const gaps: PairWorkerDeps['gaps'] = {
      atAssignment: async (partitions) => {
        asked.push([...partitions]);
        await checked;
        return [{ partition: 0, continueAt: 32n, seekTo: 32n }];
      },
      afterJump: async () => ({ seekTo: undefined }),
      stats: () => [],
    };
    const { consumer, shared } = setup(store, undefined, gaps);
    await shared.start(false);
    await until('the gap check asked', async () => (asked.length > 0 ? true : undefined), 10_000, 5);
    expect(asked).toEqual([[0]]);
    // Paused before kafkajs's first fetch, and not resumed while the check runs.
    expect(consumer.pauses).toEqual([{ op: 'pause', partitions: [0] }]);
    expect(consumer.seeks).toEqual([]);
    release();
    await until('the partition resumed', async () => (consumer.pauses.length === 2 ? true : undefined), 10_000, 10);
    // Sought to the log start before it resumed.
    expect(consumer.seeks).toEqual([{ partition: 0, offset: '32' }]);
    expect(consumer.pauses[1]).toEqual({ op: 'resume', partitions: [0] });
    await shared.drain();
  });

  it('checks a fetch that starts above where its partition was, never one whose records merely skip offsets (compaction, markers)', async () => {
    const store = new MemoryObjectStore();
    const jumps: Array<[number, bigint, bigint]> = [];
    const gaps: PairWorkerDeps['gaps'] = {
      atAssignment: async () => [{ partition: 0, continueAt: 0n, seekTo: undefined }],
      afterJump: async (partition, expected, fetched) => {
        jumps.push([partition, expected, fetched]);
        return { seekTo: 40n }; // kafkajs reset to the end; the log starts at 40
      },
      stats: () => [],
    };
    const { consumer, age , shared } = setup(store, undefined, gaps);
    await shared.start();
    await until('the partition resumed', async () => (consumer.pauses.length === 2 ? true : undefined), 10_000, 10);
    await consumer.deliver(0, 4); // fetched at 0, where the partition was
    await consumer.deliver(8, 9, 9, 5); // fetched at 5 (after 4): offsets 5..7 compacted away, no jump
    expect(jumps).toEqual([]);
    await consumer.deliver(50, 52, 52, 50); // fetched at 50, not 10: kafkajs moved the partition
    expect(jumps).toEqual([[0, 10n, 50n]]);
    expect(consumer.seeks).toEqual([{ partition: 0, offset: '40' }]);
    await consumer.deliver(40, 45, 45, 40); // from the log start, as sought
    age(1000);
    await until('a commit', async () => (consumer.commits.length > 0 ? true : undefined), 10_000, 10);
    await shared.drain();
    // The fetch that jumped was dropped: nothing past the log start was skipped, and 50..52 was not buffered ahead of 40..45.
    expect([...(await offsetsInStore(store))].sort((a, b) => Number(a - b))).toEqual([0n, 1n, 2n, 3n, 4n, 8n, 9n, 40n, 41n, 42n, 43n, 44n, 45n]);
    expect(jumps).toHaveLength(1);
  });

  it('keeps reading a partition while its full batch is written, and pauses it only at two batches in flight, never blocking the shared fetch', async () => {
    const store = new MemoryObjectStore();
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const put = store.put.bind(store);
    store.put = async (key: string, body: Buffer, options?: PutOptions) => {
      await gate;
      return put(key, body, options);
    };
    const { consumer, worker, shared, age } = setup(store, undefined, undefined, {}, 5);
    await shared.start();
    // 0..4 fill the first batch (written, blocked), 5..9 the second (queued): the partition is
    // paused there and eachBatch returns while S3 is still blocked.
    await consumer.deliver(0, 17);
    expect(consumer.pauses.at(-1)).toEqual({ op: 'pause', partitions: [0] });
    // The rest of that fetch is kept, not dropped to be fetched again: 10..14 fill a third batch,
    // which waits for a slot (not written, even when old enough), and only 15..17 are left for
    // kafkajs to fetch again from the last resolved offset.
    expect(consumer.resolved.at(-1)).toBe('14');
    age(1000);
    worker.flushDue();
    expect(worker.buffered()).toEqual([{ partition: 0, events: 5, ageMs: 1000 }]);
    expect(consumer.commits).toEqual([]);
    open();
    await until('three batches committed', async () => (consumer.commits.length === 3 ? true : undefined), 10_000, 5);
    expect(consumer.commits).toEqual([
      { partition: 0, offset: '5' },
      { partition: 0, offset: '10' },
      { partition: 0, offset: '15' },
    ]);
    // Resumed only once the waiting batch had taken its slot and fewer than two were in flight.
    expect(consumer.pauses.filter((p) => p.op === 'resume')).toHaveLength(2);
    expect(consumer.pauses.at(-1)).toEqual({ op: 'resume', partitions: [0] });
    await consumer.deliver(15, 17);
    await shared.drain();
    expect([...(await offsetsInStore(store))].sort((a, b) => Number(a - b))).toEqual(Array.from({ length: 18 }, (_, i) => BigInt(i)));
  });

  it("takes over the commit of the pair's former group where the backup group has none: committed in the backup group and sought before the first fetch", async () => {
    const store = new MemoryObjectStore();
    const { consumer, shared } = setup(store, undefined, undefined, { 0: '42' });
    await shared.start();
    expect(consumer.commits).toEqual([{ partition: 0, offset: '42' }]);
    expect(consumer.seeks).toEqual([{ partition: 0, offset: '42' }]);
    // Sought before the partition was resumed: nothing was fetched from elsewhere.
    expect(consumer.pauses).toEqual([
      { op: 'pause', partitions: [0] },
      { op: 'resume', partitions: [0] },
    ]);
    await shared.drain();
  });

  it('a drain right after a join waits for the group generation (the fencing token) instead of giving its batches up', async () => {
    const store = new MemoryObjectStore();
    const { consumer, shared } = setup(store, undefined, undefined, {}, 1000, true);
    await shared.start();
    await consumer.deliver(0, 9);
    // Drained before the first heartbeat: the batch cannot be written fenced yet.
    const drained = shared.drain();
    // Longer than the three attempts a drain gives a batch that fails (500 ms back-off, doubling).
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(consumer.commits).toEqual([]);
    consumer.heartbeat(7);
    await drained;
    expect(consumer.commits).toEqual([{ partition: 0, offset: '10' }]);
    expect([...(await offsetsInStore(store))].sort((a, b) => Number(a - b))).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(i)));
  }, 30_000);

  it('after a rebalance, an old batch failing as stale neither drops the new batches queued behind it nor lets a commit pass them', async () => {
    const store = new MemoryObjectStore();
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const put = store.put.bind(store);
    let waiting = 0;
    store.put = async (key: string, body: Buffer, options?: PutOptions) => {
      waiting += 1;
      await gate;
      return put(key, body, options);
    };
    const { consumer, shared } = setup(store, undefined, undefined, {}, 5);
    await shared.start();
    await consumer.deliver(0, 14); // two batches in flight (blocked), the partition paused
    // The first one's object PUT is on the wire when the rebalance comes.
    await until('the first PUT in flight', async () => (waiting > 0 ? true : undefined), 10_000, 5);
    consumer.rejoin();
    await until('resumed after the join', async () => (consumer.pauses.at(-1)?.op === 'resume' ? true : undefined), 10_000, 5);
    // Re-read from the last commit (none): a new batch joins the two old ones in flight, so the partition pauses again.
    await consumer.deliver(0, 9);
    expect(consumer.pauses.at(-1)).toEqual({ op: 'pause', partitions: [0] });
    open();
    // The old generation's batch in flight now fails for good (StaleBatchError: its partition was
    // reassigned); the new generation's batch queued behind it must still be written.
    open();
    await until('resumed once fewer than two batches are in flight', async () => (consumer.pauses.at(-1)?.op === 'resume' ? true : undefined), 10_000, 5);
    await consumer.deliver(5, 9);
    await until('a commit', async () => (consumer.commits.length > 0 ? true : undefined), 10_000, 5);
    await shared.drain();
    const held = await offsetsInStore(store);
    expectNoCommitPastAHole(consumer.commits, held);
    expect(consumer.commits.at(-1)).toEqual({ partition: 0, offset: '10' });
  });
});
