import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { readScratchTopics, type ScratchRecord } from '../../../src/drill/scratch-topic-reader.js';

type Log = Record<string, Record<number, { low: number; values: string[] }>>;

/**
 * A kafkajs client over in-memory logs: the admin reports each partition's low and high offsets,
 * the consumer delivers each partition from its low offset in batches of two, and keeps
 * delivering what `grow` adds after the read started. It records its group and whether it
 * was disconnected.
 */
function fakeKafka(log: Log, options: { grow?: () => void; deliver?: boolean } = {}) {
  const seen = { groupIds: [] as string[], disconnected: 0, paused: [] as string[] };
  const kafka = {
    admin: () => ({
      connect: async () => {},
      disconnect: async () => {},
      fetchTopicOffsets: async (topic: string) =>
        Object.entries(log[topic] ?? {}).map(([p, { low, values }]) => ({ partition: Number(p), low: String(low), high: String(low + values.length), offset: String(low + values.length) })),
    }),
    consumer: ({ groupId }: { groupId: string }) => {
      seen.groupIds.push(groupId);
      const paused = new Set<string>();
      return {
        connect: async () => {},
        subscribe: async () => {},
        disconnect: async () => void (seen.disconnected += 1),
        pause: (topics: Array<{ topic: string; partitions: number[] }>) => {
          for (const t of topics) for (const p of t.partitions) {
            paused.add(`${t.topic}:${p}`);
            seen.paused.push(`${t.topic}:${p}`);
          }
        },
        run: async ({ eachBatch }: { eachBatch: (payload: unknown) => Promise<void> }) => {
          options.grow?.();
          if (options.deliver === false) return;
          setImmediate(async () => {
            for (const [topic, partitions] of Object.entries(log)) {
              for (const [p, { low, values }] of Object.entries(partitions)) {
                for (let i = 0; i < values.length && !paused.has(`${topic}:${p}`); i += 2) {
                  const messages = values.slice(i, i + 2).map((value, j) => ({
                    offset: String(low + i + j),
                    key: null,
                    value: Buffer.from(value),
                    timestamp: '1700000000000',
                    headers: { h: Buffer.from('x') },
                  }));
                  await eachBatch({ batch: { topic, partition: Number(p), messages, lastOffset: () => messages.at(-1)!.offset } });
                }
              }
            }
          });
        },
      };
    },
  };
  return { kafka: kafka as unknown as Kafka, seen };
}

describe('readScratchTopics', () => {
  it('reads every record of every partition in offset order, up to the end each had when the read started', async () => {
    const log: Log = {
      'drill-a': { 0: { low: 0, values: ['a0', 'a1', 'a2'] }, 1: { low: 5, values: ['b5'] } },
      'drill-b': { 0: { low: 10, values: ['c10', 'c11'] } },
    };
    const { kafka, seen } = fakeKafka(log, { grow: () => log['drill-a']![0]!.values.push('a3 written after the start') });
    const visited: ScratchRecord[] = [];
    const result = await readScratchTopics(kafka, ['drill-a', 'drill-b'], (r) => visited.push(r), { timeoutMs: 5_000 });
    expect(result).toEqual({ records: 6 });
    expect(visited.map((r) => `${r.topic}:${r.partition}@${r.offset}=${r.value!.toString()}`)).toEqual([
      'drill-a:0@0=a0',
      'drill-a:0@1=a1',
      'drill-a:0@2=a2',
      'drill-a:1@5=b5',
      'drill-b:0@10=c10',
      'drill-b:0@11=c11',
    ]);
    expect(visited[0]).toMatchObject({ key: null, timestamp: '1700000000000', headers: { h: Buffer.from('x') } });
    expect(seen.groupIds).toEqual([expect.stringMatching(/^streamvault-drill-read-[0-9a-f-]{36}$/)]);
    expect(seen.paused.sort()).toEqual(['drill-a:0', 'drill-a:1', 'drill-b:0']);
    expect(seen.disconnected).toBe(1);
  });

  it('reads nothing, and starts no consumer, when the topics are empty', async () => {
    const { kafka, seen } = fakeKafka({ 'drill-a': { 0: { low: 7, values: [] } } });
    expect(await readScratchTopics(kafka, ['drill-a'], () => {}, { timeoutMs: 1_000 })).toEqual({ records: 0 });
    expect(seen.groupIds).toEqual([]);
  });

  it('gives up after its timeout, naming the partitions it still waits for, and disconnects', async () => {
    const { kafka, seen } = fakeKafka({ 'drill-a': { 0: { low: 0, values: ['a0'] }, 3: { low: 0, values: ['x'] } } }, { deliver: false });
    await expect(readScratchTopics(kafka, ['drill-a'], () => {}, { timeoutMs: 50 })).rejects.toThrow(
      'expected to read the scratch topics to their end offsets within 0.05 s, still waiting for drill-a:0, drill-a:3',
    );
    expect(seen.disconnected).toBe(1);
  });
});
