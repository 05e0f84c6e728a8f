import { describe, expect, it } from 'vitest';
import { startOffsets } from '../../../src/backup/start-offsets.js';

const pairA = { source: 'a', event: 'sourced', topic: 'ta' };
const pairB = { source: 'b', event: 'sourced', topic: 'tb' };

/** Committed offsets by group, then topic, then partition ('-1': none, as kafkajs answers). */
function admin(commits: Record<string, Record<string, Record<number, string>>>) {
  const asked: Array<{ groupId: string; topics: string[] }> = [];
  return {
    asked,
    fetchOffsets: async ({ groupId, topics }: { groupId: string; topics: string[] }) => {
      asked.push({ groupId, topics });
      return topics.map((topic) => ({
        topic,
        partitions: Object.entries(commits[groupId]?.[topic] ?? {}).map(([p, offset]) => ({ partition: Number(p), offset, metadata: null })),
      }));
    },
  };
}

describe('startOffsets', () => {
  it("takes the backup group's commit, else the pair's former group's, and asks a former group only for pairs with partitions left", async () => {
    const a = admin({
      g: { ta: { 0: '10', 1: '-1' }, tb: { 0: '5' } },
      'g.a.sourced': { ta: { 0: '3', 1: '7' } },
      'g.b.sourced': { tb: { 0: '99' } },
    });
    const starts = await startOffsets({
      admin: a as never,
      groupId: 'g',
      assigned: [
        { pair: pairA, partitions: [0, 1], legacyGroupId: 'g.a.sourced' },
        { pair: pairB, partitions: [0], legacyGroupId: 'g.b.sourced' },
      ],
    });
    // Partition 0 of ta keeps the group's 10 (not the older 3); partition 1 takes over 7.
    expect(starts.committed.get('ta')).toEqual(new Map([[0, 10n], [1, 7n]]));
    expect(starts.committed.get('tb')).toEqual(new Map([[0, 5n]]));
    expect(starts.takenOver).toEqual([{ pair: pairA, partition: 1, offset: 7n, from: 'g.a.sourced' }]);
    // One fetch of the group for every topic; tb's former group is never asked.
    expect(a.asked).toEqual([
      { groupId: 'g', topics: ['ta', 'tb'] },
      { groupId: 'g.a.sourced', topics: ['ta'] },
    ]);
  });

  it('leaves a partition without any commit out, so it starts where STREAMVAULT_KAFKA_FROM_BEGINNING says', async () => {
    const starts = await startOffsets({
      admin: admin({ g: { ta: { 0: '-1' } }, 'g.a.sourced': { ta: { 0: '-1' } } }) as never,
      groupId: 'g',
      assigned: [{ pair: pairA, partitions: [0], legacyGroupId: 'g.a.sourced' }],
    });
    expect(starts.committed.get('ta')).toEqual(new Map());
    expect(starts.takenOver).toEqual([]);
  });

  it('takes over only assigned partitions: another replica takes over its own', async () => {
    const starts = await startOffsets({
      admin: admin({ 'g.a.sourced': { ta: { 0: '4', 1: '8' } } }) as never,
      groupId: 'g',
      assigned: [{ pair: pairA, partitions: [1], legacyGroupId: 'g.a.sourced' }],
    });
    expect(starts.takenOver.map((t) => [t.partition, t.offset])).toEqual([[1, 8n]]);
  });
});
