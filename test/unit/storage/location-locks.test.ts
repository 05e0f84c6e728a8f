import { afterEach, describe, expect, it, vi } from 'vitest';
import { acquireWriterLock, LOCK_REFRESH_MS } from '../../../src/storage/location-locks.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { HoldingObjectStore } from '../../helpers/holding-object-store.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const clock = { now: () => new Date(), host: 'host-a', pid: 42 };
const layout = new KeyLayout('backup/');

describe('a held location lock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is gone after release even when a refresh was in flight: release waits for it, then deletes', async () => {
    vi.useFakeTimers();
    const memory = new MemoryObjectStore();
    const store = new HoldingObjectStore(memory);
    const key = layout.writerLockKey(clock.host, clock.pid);
    const lock = await acquireWriterLock(store, layout, clock, () => {});
    expect(memory.objects.has(key)).toBe(true);

    const refresh = store.holdNextPut(key);
    await vi.advanceTimersByTimeAsync(LOCK_REFRESH_MS);
    await refresh.arrived; // the refresh PUT is in flight, held

    const released = lock.release();
    await vi.advanceTimersByTimeAsync(0);
    await refresh.release(); // the refresh lands now
    await released;
    expect(memory.objects.has(key)).toBe(false);
  });

  it('is refreshed once per interval while a refresh hangs, not once per tick', async () => {
    vi.useFakeTimers();
    const memory = new MemoryObjectStore();
    const store = new HoldingObjectStore(memory);
    const key = layout.writerLockKey(clock.host, clock.pid);
    const lock = await acquireWriterLock(store, layout, clock, () => {});
    const refresh = store.holdNextPut(key);
    await vi.advanceTimersByTimeAsync(LOCK_REFRESH_MS);
    await refresh.arrived;
    const putsBefore = memory.calls.filter((c) => c.op === 'put' && c.key === key).length;
    await vi.advanceTimersByTimeAsync(3 * LOCK_REFRESH_MS); // the held refresh still hangs
    expect(memory.calls.filter((c) => c.op === 'put' && c.key === key).length).toBe(putsBefore);
    await refresh.release();
    await lock.release();
    expect(memory.objects.has(key)).toBe(false);
  });
});
