import type { Consumer, ConsumerConfig, EachBatchPayload } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { BackupConsumer, consumerFetchSettings } from '../../../src/backup/backup-consumer.js';
import type { PairWorker } from '../../../src/backup/pair-worker.js';
import { capturedLogger } from '../../helpers/captured-logger.js';
import { FakeConsumer } from '../../helpers/fake-kafkajs-consumer.js';
import { until } from '../../helpers/until.js';

const pair = { source: 'samples', event: 'sourced', topic: 'samples.sourced' };
const limits = { maxEvents: 1000, maxAgeMs: 100, maxBytes: 64 * 1024 * 1024 };

/** A pair worker stand-in: records what the shared consumer told it, in order. */
class RecordingWorker {
  readonly pair = pair;
  readonly calls: string[] = [];
  readonly fetchedOffsets: string[] = [];
  start(): void {
    this.calls.push('start');
  }
  rebalanced(why: string): void {
    this.calls.push(`rebalanced:${why}`);
  }
  async assigned(partitions: readonly number[], committed: ReadonlyMap<number, bigint>): Promise<void> {
    this.calls.push(`assigned:${partitions.join(',')}:${[...committed].map(([p, o]) => `${p}@${o}`).join(',')}`);
  }
  async fetched(payload: EachBatchPayload): Promise<void> {
    for (const m of payload.batch.messages) this.fetchedOffsets.push(m.offset);
  }
  skipped(): void {}
  flushDue(): void {}
  async drain(): Promise<void> {
    this.calls.push('drain');
  }
}

/**
 * A BackupConsumer over a fake kafkajs consumer and one recording worker. `offsets` answers the
 * admin's fetchOffsets for the backup group ('g') and the pair's former group, and can hold the
 * answer back until `release` is called.
 */
function setup(options: { groupOffset?: string; legacyOffset?: string; hold?: boolean; monotonicNow?: () => number } = {}) {
  const fake = new FakeConsumer(pair.topic);
  const worker = new RecordingWorker();
  const { lines, logger } = capturedLogger('info');
  let release!: () => void;
  const released = options.hold ? new Promise<void>((r) => (release = r)) : Promise.resolve();
  const groupsAsked: string[] = [];
  const consumer = new BackupConsumer({
    createConsumer: (config: ConsumerConfig) => {
      fake.config = config;
      return fake as unknown as Consumer;
    },
    groupId: 'g',
    legacyGroupIdOf: (p) => `g.${p.source}.${p.event}`,
    admin: {
      fetchOffsets: async ({ groupId }: { groupId: string }) => {
        groupsAsked.push(groupId);
        await released;
        const offset = groupId === 'g' ? (options.groupOffset ?? '-1') : (options.legacyOffset ?? '-1');
        return [{ topic: pair.topic, partitions: [{ partition: 0, offset, metadata: null }] }];
      },
    } as never,
    fromBeginning: true,
    sessionTimeoutMs: 30_000,
    limits,
    logger,
    monotonicNow: options.monotonicNow ?? (() => 0),
    onFatal: (error) => {
      throw error;
    },
  });
  consumer.serve([worker as unknown as PairWorker]);
  return { fake, worker, consumer, lines, groupsAsked, release: () => release() };
}

describe('BackupConsumer', () => {
  it('gives kafkajs bounded fetches and a short wait, since kafkajs sleeps that long whenever every partition is paused', () => {
    const { fake } = setup();
    const settings = consumerFetchSettings(limits.maxBytes);
    expect(fake.config).toMatchObject({ groupId: 'g', ...settings });
    // A batch limit under the per-partition fetch size bounds the fetch instead.
    expect(consumerFetchSettings(1024 * 1024).maxBytesPerPartition).toBe(1024 * 1024);
    expect(settings.maxBytesPerPartition).toBeLessThanOrEqual(settings.maxBytes);
    expect(settings.maxWaitTimeInMs).toBeLessThanOrEqual(200);
  });

  it('keeps the assigned partitions paused at a join until their start offsets are read, then hands them to the worker', async () => {
    const { fake, worker, consumer, groupsAsked, release } = setup({ groupOffset: '42', hold: true });
    await consumer.start();
    await until('the committed offsets asked for', async () => (groupsAsked.includes('g') ? true : undefined), 5000, 5);
    expect(fake.pauses).toEqual([{ op: 'pause', partitions: [0] }]);
    expect(worker.calls).toEqual(['start', 'rebalanced:rebalance']);
    release();
    await until('the worker got its partitions', async () => (worker.calls.some((c) => c.startsWith('assigned')) ? true : undefined), 5000, 5);
    expect(worker.calls).toEqual(['start', 'rebalanced:rebalance', 'assigned:0:0@42']);
    await consumer.drain();
    expect(worker.calls.at(-1)).toBe('drain');
    expect(consumer.state).toBe('stopped');
  });

  it("takes a pair's former group's offset over: committed in the backup group and sought, before the worker gets the partition", async () => {
    const { fake, worker, consumer } = setup({ legacyOffset: '7' });
    await consumer.start();
    await until('the worker got its partitions', async () => (worker.calls.some((c) => c.startsWith('assigned')) ? true : undefined), 5000, 5);
    expect(fake.commits).toEqual([{ partition: 0, offset: '7' }]);
    expect(fake.seeks).toEqual([{ partition: 0, offset: '7' }]);
    expect(worker.calls.at(-1)).toBe('assigned:0:0@7');
    await consumer.drain();
  });

  it('measures how long the brokers have been silent from its last answer: start, join, heartbeat, commit', async () => {
    let now = 1000;
    const { fake, worker, consumer } = setup({ monotonicNow: () => now });
    expect(consumer.silentForMs()).toBeUndefined();
    await consumer.start();
    await until('the worker got its partitions', async () => (worker.calls.some((c) => c.startsWith('assigned')) ? true : undefined), 5000, 5);
    now = 1500;
    expect(consumer.silentForMs()).toBe(500);
    now = 2000;
    fake.heartbeat(3);
    now = 2600;
    expect(consumer.silentForMs()).toBe(600);
    now = 3000;
    await consumer.commit(pair.topic, 0, '5');
    now = 3250;
    expect(consumer.silentForMs()).toBe(250);
    // A pause is not an answer: only what the brokers send counts.
    consumer.pause(pair.topic, [0]);
    now = 4000;
    expect(consumer.silentForMs()).toBe(1000);
    await consumer.drain();
  });

  it('hands fetched records to the worker of their topic and says once per join when the first records arrived', async () => {
    const { fake, worker, consumer, lines } = setup();
    await consumer.start();
    await until('the worker got its partitions', async () => (worker.calls.some((c) => c.startsWith('assigned')) ? true : undefined), 5000, 5);
    const firstFetched = () => lines.filter((l) => l.msg === 'first records fetched since the join');
    expect(firstFetched()).toHaveLength(0);
    await fake.deliver(0, 2);
    await fake.deliver(3, 5);
    expect(worker.fetchedOffsets).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(firstFetched()).toHaveLength(1);
    expect(firstFetched()[0]).toMatchObject({ topic: pair.topic, partition: 0 });
    fake.rejoin();
    await fake.deliver(6, 6);
    expect(firstFetched()).toHaveLength(2);
    await consumer.drain();
  });
});
