import kafkajs, { type EachBatchPayload, type Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { TargetReader } from '../../../src/restore/target-scan.js';

/** kafkajs's type declarations leave out the constructor's argument that its src/errors.js takes. */
const KafkaJSProtocolError = kafkajs.KafkaJSProtocolError as unknown as new (e: object) => Error;
const KafkaJSNumberOfRetriesExceeded = kafkajs.KafkaJSNumberOfRetriesExceeded as unknown as new (e: Error, o: object) => Error;
const KafkaJSNonRetriableError = kafkajs.KafkaJSNonRetriableError as unknown as new (m: string) => Error;

/** A cluster whose admin clients answer fetchTopicOffsets with `answers` in turn (an Error is thrown). */
function fakeKafka(answers: Array<Error | Array<{ partition: number; low: string; high: string }>>) {
  const admins: number[] = [];
  const kafka = {
    admin: () => {
      admins.push(admins.length);
      return {
        connect: async () => undefined,
        disconnect: async () => undefined,
        fetchTopicOffsets: async () => {
          const answer = answers.shift()!;
          if (answer instanceof Error) throw answer;
          return answer.map((o) => ({ ...o, offset: o.high }));
        },
      };
    },
  } as unknown as Kafka;
  return { kafka, admins };
}

describe('TargetReader.bounds', () => {
  it('repeats the read with a new admin client when a just-created topic answers "not the leader" (kafkajs bails on it)', async () => {
    const notLeader = new KafkaJSProtocolError({ type: 'NOT_LEADER_FOR_PARTITION', code: 6, retriable: true, message: 'This server is not the leader for that topic-partition' });
    const { kafka, admins } = fakeKafka([notLeader, [{ partition: 1, low: '0', high: '7' }, { partition: 0, low: '2', high: '5' }]]);
    const bounds = await new TargetReader(kafka, createLogger('silent'), 1_000).bounds(['t']);
    expect(bounds.get('t')).toEqual([{ low: 2n, high: 5n }, { low: 0n, high: 7n }]);
    expect(admins).toHaveLength(2);
  });

  it('does not repeat a read that failed for good', async () => {
    const denied = new KafkaJSProtocolError({ type: 'TOPIC_AUTHORIZATION_FAILED', code: 29, retriable: false, message: 'Not authorized to access topics' });
    const { kafka, admins } = fakeKafka([denied, []]);
    await expect(new TargetReader(kafka, createLogger('silent'), 1_000).bounds(['t'])).rejects.toThrow('Not authorized');
    expect(admins).toHaveLength(1);
  });
});

/**
 * What each consumer's `run()` meets, in turn: `crash` is kafkajs's runner crashing in the group
 * join (onCrash runs, the consumer forgets its group, `run()` resolves; a later seek throws as
 * kafkajs's does); `join` joins and then serves batches of two records from the seeked offsets;
 * `join-then-crash` serves one batch per partition and then crashes the consumer.
 */
type RunOutcome = { kind: 'crash'; error: Error } | { kind: 'join' } | { kind: 'join-then-crash'; error: Error };

/** A target topic `t` with `partitions` partitions of `perPartition` restored records each, behind consumers that follow `outcomes`. */
function fakeConsumers(outcomes: RunOutcome[], partitions: number, perPartition: number) {
  const groups: string[] = [];
  const message = (partition: number, offset: number) => ({
    offset: String(offset),
    timestamp: '0',
    key: null,
    value: Buffer.from(`v${partition}-${offset}`),
    headers: { 'streamvault.original.topic': Buffer.from('orig'), 'streamvault.original.partition': Buffer.from(String(partition)), 'streamvault.original.offset': Buffer.from(String(offset)) },
  });
  const kafka = {
    consumer: ({ groupId }: { groupId: string }) => {
      groups.push(groupId);
      const outcome = outcomes.shift() ?? { kind: 'join' };
      const listeners = new Map<string, Array<(event: { payload: Record<string, unknown> }) => void>>();
      const emit = (name: string, payload: Record<string, unknown>) => listeners.get(name)?.forEach((l) => l({ payload }));
      let joined = false;
      let stopped = false;
      const positions = new Map<number, number>();
      const crash = (error: Error) => {
        joined = false;
        stopped = true;
        emit('consumer.crash', { error, groupId, restart: false });
      };
      const consumer = {
        events: { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join' },
        on: (name: string, listener: (event: { payload: Record<string, unknown> }) => void) => listeners.set(name, [...(listeners.get(name) ?? []), listener]),
        connect: async () => undefined,
        subscribe: async () => undefined,
        disconnect: async () => {
          stopped = true;
        },
        pause: () => {
          if (!joined) throw new KafkaJSNonRetriableError('Consumer group was not initialized, consumer#run must be called first');
        },
        seek: ({ partition, offset }: { partition: number; offset: string }) => {
          if (!joined) throw new KafkaJSNonRetriableError('Consumer group was not initialized, consumer#run must be called first');
          positions.set(partition, Number(offset));
        },
        run: async ({ eachBatch }: { eachBatch: (payload: EachBatchPayload) => Promise<void> }) => {
          if (outcome.kind === 'crash') return crash(outcome.error);
          joined = true;
          for (let p = 0; p < partitions; p += 1) positions.set(p, 0);
          emit('consumer.group_join', { groupId });
          // Fetching starts after run() resolved, as kafkajs's runner does.
          setImmediate(async () => {
            for (let round = 0; !stopped; round += 1) {
              let served = false;
              for (let p = 0; p < partitions && !stopped; p += 1) {
                const from = positions.get(p)!;
                if (from >= perPartition) continue;
                const messages = [from, from + 1].filter((o) => o < perPartition).map((o) => message(p, o));
                positions.set(p, from + messages.length);
                served = true;
                await eachBatch({ batch: { topic: 't', partition: p, messages, lastOffset: () => messages.at(-1)!.offset } } as unknown as EachBatchPayload);
              }
              if (outcome.kind === 'join-then-crash' && round === 0) return crash(outcome.error);
              if (!served) return;
            }
          });
        },
      };
      return consumer;
    },
  } as unknown as Kafka;
  return { kafka, groups };
}

const loading = () =>
  new KafkaJSNumberOfRetriesExceeded(
    new KafkaJSProtocolError({ type: 'COORDINATOR_LOAD_IN_PROGRESS', code: 14, retriable: true, message: "The coordinator is loading and hence can't process requests for this group" }),
    { retryCount: 5, retryTime: 3000 },
  );

describe('TargetReader.scan', () => {
  const bounds = new Map([['t', [{ low: 0n, high: 6n }, { low: 0n, high: 6n }]]]);
  const requests = [
    { topic: 't', partition: 0, from: 1n },
    { topic: 't', partition: 1, from: 4n },
  ];
  const expected = ['0:1', '0:2', '0:3', '0:4', '0:5', '1:4', '1:5'];

  it('starts a new consumer when the first crashed in its join on a loading coordinator (kafkajs left it without a group to seek)', async () => {
    const { kafka, groups } = fakeConsumers([{ kind: 'crash', error: loading() }, { kind: 'join' }], 2, 6);
    const seen: string[] = [];
    const result = await new TargetReader(kafka, createLogger('silent'), 10_000).scan(requests, bounds, (r) => seen.push(`${r.partition}:${r.offset}`));
    expect(seen.sort()).toEqual(expected);
    expect(result.records).toBe(expected.length);
    expect(new Set(groups).size).toBe(2);
  });

  it('visits each record once when a consumer crashes mid-read: the next one seeks to where each window got to', async () => {
    const { kafka, groups } = fakeConsumers([{ kind: 'join-then-crash', error: loading() }, { kind: 'join' }], 2, 6);
    const seen: string[] = [];
    const values: string[] = [];
    await new TargetReader(kafka, createLogger('silent'), 10_000).scan(requests, bounds, (r) => {
      seen.push(`${r.partition}:${r.offset}`);
      values.push(r.comparable.value!.toString());
    });
    expect(seen.sort()).toEqual(expected);
    expect(values.sort()).toEqual(expected.map((e) => `v${e.replace(':', '-')}`));
    expect(groups).toHaveLength(2);
  });

  it('does not retry a crash that is not retriable', async () => {
    const denied = new KafkaJSProtocolError({ type: 'GROUP_AUTHORIZATION_FAILED', code: 30, retriable: false, message: 'Not authorized to access group' });
    const { kafka, groups } = fakeConsumers([{ kind: 'crash', error: denied }, { kind: 'join' }], 2, 6);
    await expect(new TargetReader(kafka, createLogger('silent'), 10_000).scan(requests, bounds, () => {})).rejects.toThrow('Not authorized to access group');
    expect(groups).toHaveLength(1);
  });
});

describe('TargetReader.scan windows', () => {
  it('makes no consumer when every window is empty: from at or past the end, or a partition with nothing', async () => {
    const { kafka, groups } = fakeConsumers([], 2, 6);
    const bounds = new Map([['t', [{ low: 0n, high: 6n }, { low: 3n, high: 3n }]]]);
    const result = await new TargetReader(kafka, createLogger('silent'), 10_000).scan(
      [
        { topic: 't', partition: 0, from: 6n },
        { topic: 't', partition: 1, from: 0n },
      ],
      bounds,
      () => {
        throw new Error('expected no record to be visited');
      },
    );
    expect(result.records).toBe(0);
    expect(groups).toEqual([]);
  });

  it('reads from the first retained offset when asked for an offset the target no longer holds', async () => {
    const { kafka } = fakeConsumers([{ kind: 'join' }], 1, 6);
    const seen: bigint[] = [];
    await new TargetReader(kafka, createLogger('silent'), 10_000).scan([{ topic: 't', partition: 0, from: 0n }], new Map([['t', [{ low: 4n, high: 6n }]]]), (r) => seen.push(r.offset));
    expect(seen).toEqual([4n, 5n]);
  });

  it('stops at the high watermark known when the scan started, even when the partition has more by then', async () => {
    const { kafka } = fakeConsumers([{ kind: 'join' }], 1, 6);
    const seen: bigint[] = [];
    await new TargetReader(kafka, createLogger('silent'), 10_000).scan([{ topic: 't', partition: 0, from: 1n }], new Map([['t', [{ low: 0n, high: 3n }]]]), (r) => seen.push(r.offset));
    expect(seen).toEqual([1n, 2n]);
  });

  it('refuses a request for a partition the target topic does not have', async () => {
    const { kafka, groups } = fakeConsumers([], 1, 6);
    await expect(
      new TargetReader(kafka, createLogger('silent'), 10_000).scan([{ topic: 't', partition: 3, from: 0n }], new Map([['t', [{ low: 0n, high: 6n }]]]), () => {}),
    ).rejects.toThrow('expected partition 3 of target topic t to exist, got no such partition');
    expect(groups).toEqual([]);
  });

  it('gives up at the scan timeout, naming the windows still open, when the target never serves up to its high watermark', async () => {
    // The bounds say 8 records, the consumer only ever serves 6 (records deleted under the scan).
    const { kafka } = fakeConsumers([{ kind: 'join' }], 2, 6);
    const bounds = new Map([['t', [{ low: 0n, high: 6n }, { low: 0n, high: 8n }]]]);
    const seen: string[] = [];
    await expect(
      new TargetReader(kafka, createLogger('silent'), 300).scan(
        [
          { topic: 't', partition: 0, from: 0n },
          { topic: 't', partition: 1, from: 0n },
        ],
        bounds,
        (r) => seen.push(`${r.partition}:${r.offset}`),
      ),
    ).rejects.toThrow(/did not finish within 0.3 s \(STREAMVAULT_RESTORE_SCAN_TIMEOUT_SECONDS\); still waiting for t:1$/);
    expect(seen.filter((s) => s.startsWith('0:'))).toHaveLength(6);
  });
});
