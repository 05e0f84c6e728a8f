import { describe, expect, it } from 'vitest';
import { applyGroupOffsets, type GroupsAdmin, type OffsetTranslationRow } from '../../../src/restore/group-offsets.js';
import { createLogger } from '../../../src/observability/logger.js';

const row = (group: string, partition: number, targetOffset: string | undefined, applicable = true): OffsetTranslationRow => ({
  group,
  topic: 'orders',
  partition,
  committed: '0',
  targetTopic: 'r-orders',
  targetOffset,
  note: '',
  applicable,
});

/** A target cluster: group states and members, committed offsets; `drop` makes it forget a write (to see the read-back catch it). */
function fakeTarget(states: Record<string, { state: string; members: number }>, drop: (group: string, partition: number) => boolean = () => false) {
  const committed = new Map<string, string>();
  const sets: string[] = [];
  const admin = {
    describeGroups: async (ids: string[]) => ({
      groups: ids.map((groupId) => ({ groupId, state: states[groupId]?.state ?? 'Dead', members: Array.from({ length: states[groupId]?.members ?? 0 }, () => ({})) })),
    }),
    setOffsets: async ({ groupId, topic, partitions }: { groupId: string; topic: string; partitions: Array<{ partition: number; offset: string }> }) => {
      sets.push(groupId);
      for (const p of partitions) if (!drop(groupId, p.partition)) committed.set(`${groupId}/${topic}/${p.partition}`, p.offset);
    },
    fetchOffsets: async ({ groupId, topics }: { groupId: string; topics: string[] }) =>
      topics.map((topic) => ({ topic, partitions: [0, 1].map((partition) => ({ partition, offset: committed.get(`${groupId}/${topic}/${partition}`) ?? '-1', metadata: null })) })),
  } as unknown as GroupsAdmin;
  return { admin, committed, sets };
}

describe('setting translated group offsets in the target', () => {
  it('sets only empty or unknown groups, refuses one with members untouched, and skips rows that are not applicable', async () => {
    const target = fakeTarget({ billing: { state: 'Empty', members: 0 }, live: { state: 'Stable', members: 2 } });
    const result = await applyGroupOffsets(
      target.admin,
      [row('billing', 0, '5'), row('billing', 1, undefined, false), row('live', 0, '3'), row('fresh', 1, '9')],
      createLogger('silent'),
    );
    expect(result).toEqual({ applied: ['billing', 'fresh'], refused: [{ group: 'live', state: 'Stable', members: 2 }], errors: [] });
    expect(Object.fromEntries(target.committed)).toEqual({ 'billing/r-orders/0': '5', 'fresh/r-orders/1': '9' });
    expect(target.sets).not.toContain('live');
  });

  it('reads the offsets back and reports a difference as an error naming group, partition, expected and found', async () => {
    const target = fakeTarget({}, (group, partition) => group === 'billing' && partition === 1);
    const result = await applyGroupOffsets(target.admin, [row('billing', 0, '5'), row('billing', 1, '7')], createLogger('silent'));
    expect(result.applied).toEqual([]);
    expect(result.errors).toEqual(['group billing, r-orders partition 1: expected committed offset 7 after setting it, the target answered -1']);
  });
});
