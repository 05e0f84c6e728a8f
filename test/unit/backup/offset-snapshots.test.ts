import { describe, expect, it } from 'vitest';
import { groupMatcher, OffsetSnapshots, type SnapshotAdmin } from '../../../src/backup/offset-snapshots.js';
import { createLogger } from '../../../src/observability/logger.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { latestOffsetSnapshot, parseOffsetSnapshot } from '../../../src/storage/offset-snapshot.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

/** A cluster's committed offsets: group -> topic -> partition -> offset. */
type Committed = Record<string, Record<string, Record<number, string>>>;

function fakeAdmin(committed: Committed, states: Record<string, string> = {}): SnapshotAdmin {
  return {
    listGroups: async () => ({ groups: Object.keys(committed).map((groupId) => ({ groupId, protocolType: 'consumer' })) }),
    fetchOffsets: async ({ groupId, topics }: { groupId: string; topics?: string[] }) =>
      (topics ?? []).map((topic) => ({
        topic,
        partitions: Object.entries(committed[groupId]?.[topic] ?? { 0: '-1' }).map(([p, offset]) => ({ partition: Number(p), offset, metadata: null })),
      })),
    describeGroups: async (ids: string[]) => ({
      groups: ids.map((groupId) => ({ groupId, state: states[groupId] ?? 'Empty', members: [], protocol: '', protocolType: 'consumer', errorCode: 0 })),
    }),
  } as unknown as SnapshotAdmin;
}

const logger = createLogger('silent');

describe('consumer-group offset snapshots (backup daemon)', () => {
  it('records every foreign group reading a backed-up topic with the backup\'s own commits, and skips streamvault\'s groups', async () => {
    const store = new MemoryObjectStore();
    const layout = new KeyLayout('pre');
    const committed: Committed = {
      billing: { orders: { 0: '5', 1: '-1' }, other: { 0: '9' } },
      audit: { orders: { 1: '3' } },
      idle: {},
      'sv.samples.sourced': { orders: { 0: '12', 1: '7' } },
      'streamvault-restore-scan-1234': { orders: { 0: '1' } },
    };
    const snapshots = new OffsetSnapshots({
      admin: fakeAdmin(committed, { billing: 'Stable' }),
      store,
      layout,
      logger,
      topics: [{ topic: 'orders', backupGroups: ['sv.samples.sourced'] }],
      groupPatterns: [],
      intervalMs: 60_000,
      now: () => new Date('2026-03-04T05:06:07.089Z'),
    });
    const result = await snapshots.run();
    expect(result).toEqual({ kind: 'taken', written: ['pre/offsets/orders/2026-03-04/2026-03-04T05-06-07.089Z.json'], unchanged: 0, groups: 2 });
    const key = 'pre/offsets/orders/2026-03-04/2026-03-04T05-06-07.089Z.json';
    expect(parseOffsetSnapshot(key, store.objects.get(key)!.body)).toEqual({
      format: 'streamvault.consumer-offsets',
      version: 1,
      topic: 'orders',
      takenAt: '2026-03-04T05:06:07.089Z',
      backedUp: [
        { partition: 0, below: '12' },
        { partition: 1, below: '7' },
      ],
      groups: [
        { group: 'audit', state: 'Empty', partitions: [{ partition: 1, committed: '3', metadata: null }] },
        { group: 'billing', state: 'Stable', partitions: [{ partition: 0, committed: '5', metadata: null }] },
      ],
    });

    // Nothing changed: no new object. A commit moves: a new one, and the latest is what restore reads.
    expect((await snapshots.run()).kind).toBe('taken');
    expect(store.objects.size).toBe(1);
    committed.audit!.orders![1] = '4';
    const later = new OffsetSnapshots({
      admin: fakeAdmin(committed),
      store,
      layout,
      logger,
      topics: [{ topic: 'orders', backupGroups: ['sv.samples.sourced'] }],
      groupPatterns: ['aud*'],
      intervalMs: 60_000,
      now: () => new Date('2026-03-05T00:00:00.000Z'),
    });
    await later.run();
    const latest = await latestOffsetSnapshot(store, layout, 'orders');
    expect(latest?.snapshot.groups).toEqual([{ group: 'audit', state: 'Empty', partitions: [{ partition: 1, committed: '4', metadata: null }] }]);
    // At or before a time: the earlier one.
    const earlier = await latestOffsetSnapshot(store, layout, 'orders', Date.parse('2026-03-04T23:59:59Z'));
    expect(earlier?.key).toBe(key);
    expect(await latestOffsetSnapshot(store, layout, 'orders', Date.parse('2026-03-01T00:00:00Z'))).toBeUndefined();
    expect(await latestOffsetSnapshot(store, layout, 'never-snapshotted')).toBeUndefined();
  });

  it('a failing cluster is a failed run, never an exception', async () => {
    const admin = { ...fakeAdmin({}), listGroups: async () => Promise.reject(new Error('broker gone')) } as unknown as SnapshotAdmin;
    const snapshots = new OffsetSnapshots({ admin, store: new MemoryObjectStore(), layout: new KeyLayout(''), logger, topics: [{ topic: 't', backupGroups: [] }], groupPatterns: [], intervalMs: 1000, now: () => new Date() });
    expect(await snapshots.run()).toEqual({ kind: 'failed', error: 'broker gone' });
  });

  it('patterns: * matches any characters, the rest literally', () => {
    const m = groupMatcher(['billing-*', 'exact.group']);
    expect(['billing-eu', 'billing-', 'exact.group', 'exactXgroup', 'xbilling-eu'].map(m)).toEqual([true, true, true, false, false]);
    expect(groupMatcher([])('anything')).toBe(true);
  });
});
