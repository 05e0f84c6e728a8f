import { afterEach, describe, expect, it, vi } from 'vitest';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { acquirePruneLock, acquireWriterLock, LOCK_REFRESH_MS, LOCK_STALE_MS, LocationLockedError } from '../../../src/storage/location-locks.js';
import { HoldingObjectStore } from '../../helpers/holding-object-store.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const layout = new KeyLayout('vault');
const clock = (host: string, at = new Date()) => ({ now: () => at, host, pid: 7 });
const ignore = () => {};

describe('location locks', () => {
  it('one prune at a time; released, the next one gets it; its lock object names it while held', async () => {
    const store = new MemoryObjectStore();
    const first = await acquirePruneLock(store, layout, clock('a'), ignore);
    const held = JSON.parse((await store.get('vault/locks/prune.json')).toString()) as { holder: string; host: string };
    expect(held).toMatchObject({ holder: first.holder, host: 'a' });
    await expect(acquirePruneLock(store, layout, clock('b'), ignore)).rejects.toBeInstanceOf(LocationLockedError);
    await first.check();
    await first.release();
    expect(await store.head('vault/locks/prune.json')).toBeUndefined();
    const second = await acquirePruneLock(store, layout, clock('b'), ignore);
    await second.release();
  });

  it('a stale prune lock is taken over, and its old holder then fails its check', async () => {
    const store = new MemoryObjectStore();
    const old = await acquirePruneLock(store, layout, clock('a', new Date(Date.now() - LOCK_STALE_MS - 1000)), ignore);
    const next = await acquirePruneLock(store, layout, clock('b'), ignore);
    await expect(old.check()).rejects.toThrow(/lost its lock/);
    await next.check();
    await next.release();
  });

  it('a fresh writer lock makes prune refuse and leave no lock; a prune lock makes a writer refuse and remove its own', async () => {
    const store = new MemoryObjectStore();
    const writer = await acquireWriterLock(store, layout, clock('daemon'), ignore);
    await expect(acquirePruneLock(store, layout, clock('p'), ignore)).rejects.toThrow(/backup daemon is writing/);
    expect(await store.head('vault/locks/prune.json')).toBeUndefined();
    await writer.release();
    const prune = await acquirePruneLock(store, layout, clock('p'), ignore);
    await expect(acquireWriterLock(store, layout, clock('daemon'), ignore)).rejects.toThrow(/a prune is running/);
    expect(await store.head(layout.writerLockKey('daemon', 7))).toBeUndefined();
    // A writer appearing while the prune runs fails the prune's check before its sweep.
    await store.put(layout.writerLockKey('late', 8), Buffer.from(JSON.stringify({ format: 'streamvault.lock', kind: 'writer', holder: 'x', host: 'late', pid: 8, time: new Date().toISOString() })));
    await expect(prune.check()).rejects.toThrow(/backup daemon is writing/);
    await prune.release();
  });
});

const heldClock = { now: () => new Date(), host: 'host-a', pid: 42 };

describe('a held location lock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is gone after release even when a refresh was in flight: release waits for it, then deletes', async () => {
    vi.useFakeTimers();
    const memory = new MemoryObjectStore();
    const store = new HoldingObjectStore(memory);
    const key = layout.writerLockKey(heldClock.host, heldClock.pid);
    const lock = await acquireWriterLock(store, layout, heldClock, () => {});
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
    const key = layout.writerLockKey(heldClock.host, heldClock.pid);
    const lock = await acquireWriterLock(store, layout, heldClock, () => {});
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
