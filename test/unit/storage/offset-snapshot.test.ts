import { describe, expect, it } from 'vitest';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import {
  latestOffsetSnapshot,
  OFFSET_SNAPSHOT_FORMAT,
  parseOffsetSnapshot,
  serializeOffsetSnapshot,
  writeOffsetSnapshot,
  type OffsetSnapshot,
} from '../../../src/storage/offset-snapshot.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const layout = new KeyLayout('vault/');
const snapshot = (takenAt: string, committed = '10'): OffsetSnapshot => ({
  format: OFFSET_SNAPSHOT_FORMAT,
  version: 1,
  topic: 'orders',
  takenAt,
  backedUp: [{ partition: 0, below: '12' }],
  groups: [{ group: 'billing', state: 'Stable', partitions: [{ partition: 0, committed, metadata: null }] }],
});

describe('parseOffsetSnapshot', () => {
  it('reads back what was serialized', () => {
    const s = snapshot('2026-03-04T05:06:07.000Z');
    expect(parseOffsetSnapshot('k', serializeOffsetSnapshot(s))).toEqual(s);
  });

  it('refuses a snapshot of another format or version, saying what was expected', () => {
    expect(() => parseOffsetSnapshot('k', Buffer.from(JSON.stringify({ format: 'streamvault.consumer-offsets', version: 2 })))).toThrow(
      /offset snapshot k: expected format streamvault.consumer-offsets version 1; version/,
    );
  });

  it('names the field that is wrong, and says when the body is not JSON', () => {
    const badOffset = { ...snapshot('2026-03-04T05:06:07.000Z'), backedUp: [{ partition: 0, below: '-1' }] };
    expect(() => parseOffsetSnapshot('k', Buffer.from(JSON.stringify(badOffset)))).toThrow(/^offset snapshot k: expected format .* version 1; backedUp\.0\.below: /);
    const badTime = { ...snapshot('2026-03-04T05:06:07.000Z'), takenAt: 'yesterday' };
    expect(() => parseOffsetSnapshot('k', Buffer.from(JSON.stringify(badTime)))).toThrow(/takenAt: expected an ISO 8601 time/);
    expect(() => parseOffsetSnapshot('k', Buffer.from('{'))).toThrow(/^offset snapshot k: expected JSON, got /);
  });
});

describe('latestOffsetSnapshot', () => {
  it('picks the newest snapshot at or before the time asked, reading only that one', async () => {
    const store = new MemoryObjectStore();
    const keys = [];
    for (const [at, c] of [['2026-03-04T23:00:00.000Z', '1'], ['2026-03-05T01:00:00.000Z', '2'], ['2026-03-05T00:00:00.000Z', '3']] as const) {
      keys.push(await writeOffsetSnapshot(store, layout, snapshot(at, c)));
    }
    expect(keys[0]).toBe('vault/offsets/orders/2026-03-04/2026-03-04T23-00-00.000Z.json');
    store.calls.length = 0;
    const latest = await latestOffsetSnapshot(store, layout, 'orders');
    expect(latest).toEqual({ key: keys[1], snapshot: snapshot('2026-03-05T01:00:00.000Z', '2') });
    expect(store.calls.filter((c) => c.op === 'get').map((c) => c.key)).toEqual([keys[1]]);
    // Inclusive: a snapshot taken exactly at the time asked counts.
    expect((await latestOffsetSnapshot(store, layout, 'orders', Date.parse('2026-03-05T00:00:00.000Z')))?.snapshot.groups[0]!.partitions[0]!.committed).toBe('3');
    expect((await latestOffsetSnapshot(store, layout, 'orders', Date.parse('2026-03-04T23:59:59.999Z')))?.key).toBe(keys[0]);
    expect(await latestOffsetSnapshot(store, layout, 'orders', Date.parse('2026-03-04T22:00:00.000Z'))).toBeUndefined();
  });

  it('is undefined for a topic without snapshots, and ignores objects that are not snapshots', async () => {
    const store = new MemoryObjectStore();
    await store.put('vault/offsets/orders/2026-03-04/notes.txt', Buffer.from('x'));
    expect(await latestOffsetSnapshot(store, layout, 'orders')).toBeUndefined();
  });
});
