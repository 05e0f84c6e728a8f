/**
 * Lock objects of a backup location (issue 14, retention and pruning):
 *
 *   {prefix}locks/prune.json                      exclusive: the one prune that runs
 *   {prefix}locks/writers/{host}-{pid}.json       shared: one per backup daemon while it writes
 *
 * Both hold {format, holder, host, pid, time} and are rewritten every LOCK_REFRESH_MS while held;
 * one whose `time` is older than LOCK_STALE_MS is stale (its holder died or hangs) and is ignored
 * or taken over. Each side writes its own lock first and only then looks for the other's, so with
 * S3's read-after-write consistency at least one of a prune and a daemon starting at the same time
 * sees the other and backs off. The prune lock is created with `If-None-Match: *` and taken over
 * with `If-Match` (stores that ignore the headers, such as s3rver, get a read-back check instead).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { KeyLayout } from './key-layout.js';
import { getIfExists, PreconditionFailedError, type ObjectStore } from './object-store.js';
import { StreamvaultError } from '../errors/streamvault-error.js';
import { every } from '../observability/interval-loop.js';

/** A held lock is rewritten this often. */
export const LOCK_REFRESH_MS = 30_000;
/** A lock not rewritten for this long is stale: ignored by the other side, taken over by a prune. */
export const LOCK_STALE_MS = 120_000;

const lockSchema = z.object({
  format: z.literal('streamvault.lock'),
  kind: z.enum(['prune', 'writer']),
  holder: z.string(),
  host: z.string(),
  pid: z.number().int(),
  time: z.string(),
});
export type LockRecord = z.infer<typeof lockSchema>;

export interface LockClock {
  readonly now: () => Date;
  readonly host: string;
  readonly pid: number;
}

export class LocationLockedError extends StreamvaultError {
  constructor(readonly key: string, readonly record: LockRecord | undefined, what: string) {
    super(
      `${what}: expected no fresh lock at ${key}, found one${record ? ` held by ${record.holder} on ${record.host} (pid ${record.pid}), last refreshed ${record.time}` : ''}; it goes stale ${LOCK_STALE_MS / 1000} s after its last refresh`,
      { code: 'LOCATION_LOCKED' },
    );
    this.name = 'LocationLockedError';
  }
}

export function isFresh(record: LockRecord, now: Date): boolean {
  const time = Date.parse(record.time);
  return Number.isFinite(time) && now.getTime() - time < LOCK_STALE_MS;
}

async function readLock(store: ObjectStore, key: string): Promise<{ record: LockRecord | undefined; etag?: string } | undefined> {
  const head = await store.head(key);
  if (!head) return undefined;
  const body = await getIfExists(store, key);
  if (body === undefined) return undefined;
  let parsed: ReturnType<typeof lockSchema.safeParse>;
  try {
    parsed = lockSchema.safeParse(JSON.parse(body.toString('utf8')));
  } catch {
    return { record: undefined, etag: head.etag };
  }
  // An unreadable lock counts as fresh until its object is old enough: never taken over blindly.
  return { record: parsed.success ? parsed.data : undefined, etag: head.etag };
}

function lockBody(record: LockRecord): Buffer {
  return Buffer.from(`${JSON.stringify(record, null, 1)}\n`);
}

/** A lock this process holds: refreshed until released. */
export interface HeldLock {
  readonly key: string;
  readonly holder: string;
  /** Throws LocationLockedError unless the lock object still names this holder. */
  check(): Promise<void>;
  release(): Promise<void>;
}

function holdLock(store: ObjectStore, key: string, record: LockRecord, clock: LockClock, onRefreshError: (error: Error) => void): HeldLock {
  // A refresh still in flight when the next is due (a stalled PUT) is not doubled.
  const refresh = every(LOCK_REFRESH_MS, () => store.put(key, lockBody({ ...record, time: clock.now().toISOString() }), { contentType: 'application/json' }), {
    onError: (error) => onRefreshError(error as Error),
  });
  let released = false;
  return {
    key,
    holder: record.holder,
    check: async () => {
      const read = await readLock(store, key);
      if (read?.record?.holder !== record.holder) throw new LocationLockedError(key, read?.record, 'this process lost its lock (not refreshed in time; another process took it over)');
    },
    release: async () => {
      if (released) return;
      released = true;
      // A refresh landing after the delete would put the lock back.
      await refresh.stop();
      await store.delete(key);
    },
  };
}

/** Every fresh writer lock (a backup daemon writing now). */
export async function freshWriterLocks(store: ObjectStore, layout: KeyLayout, now: Date): Promise<LockRecord[]> {
  const fresh: LockRecord[] = [];
  for await (const object of store.list(layout.writerLocksPrefix())) {
    const read = await readLock(store, object.key);
    if (read?.record && isFresh(read.record, now)) fresh.push(read.record);
  }
  return fresh;
}

/**
 * Takes the exclusive prune lock, then checks that no backup daemon holds a fresh writer lock.
 * Throws LocationLockedError (and leaves nothing behind) when another prune or a daemon holds one.
 */
export async function acquirePruneLock(store: ObjectStore, layout: KeyLayout, clock: LockClock, onRefreshError: (error: Error) => void): Promise<HeldLock> {
  const key = layout.pruneLockKey();
  const record: LockRecord = { format: 'streamvault.lock', kind: 'prune', holder: randomUUID(), host: clock.host, pid: clock.pid, time: clock.now().toISOString() };
  const existing = await readLock(store, key);
  if (existing) {
    const objectFresh = existing.record ? isFresh(existing.record, clock.now()) : true;
    if (objectFresh) throw new LocationLockedError(key, existing.record, 'another prune holds the lock');
    if (!existing.etag) throw new LocationLockedError(key, existing.record, 'the stale prune lock could not be taken over');
    try {
      await store.put(key, lockBody(record), { contentType: 'application/json', condition: { kind: 'matches', etag: existing.etag } });
    } catch (error) {
      if (error instanceof PreconditionFailedError) throw new LocationLockedError(key, undefined, 'another prune took the stale lock over first');
      throw error;
    }
  } else {
    try {
      await store.put(key, lockBody(record), { contentType: 'application/json', condition: { kind: 'absent' } });
    } catch (error) {
      if (error instanceof PreconditionFailedError) throw new LocationLockedError(key, (await readLock(store, key))?.record, 'another prune took the lock first');
      throw error;
    }
  }
  // Stores without conditional writes: the last writer wins, so read back who that was.
  const readBack = await readLock(store, key);
  if (readBack?.record?.holder !== record.holder) throw new LocationLockedError(key, readBack?.record, 'another prune took the lock first');
  const held = holdLock(store, key, record, clock, onRefreshError);
  const noWriters = async () => {
    const writers = await freshWriterLocks(store, layout, clock.now());
    if (writers.length > 0) {
      throw new LocationLockedError(layout.writerLocksPrefix(), writers[0], `a backup daemon is writing (${writers.length} fresh writer lock(s)); stop it (or wait for backup --once to end) before pruning`);
    }
  };
  try {
    await noWriters();
  } catch (error) {
    await held.release();
    throw error;
  }
  // For the prune: still its lock, and still no writer (checked again before streams are swept).
  return {
    ...held,
    check: async () => {
      await held.check();
      await noWriters();
    },
  };
}

/**
 * Takes this daemon's shared writer lock, then checks that no prune holds a fresh lock. Throws
 * LocationLockedError (and removes its own lock) when one does.
 */
export async function acquireWriterLock(store: ObjectStore, layout: KeyLayout, clock: LockClock, onRefreshError: (error: Error) => void): Promise<HeldLock> {
  const key = layout.writerLockKey(clock.host, clock.pid);
  const record: LockRecord = { format: 'streamvault.lock', kind: 'writer', holder: randomUUID(), host: clock.host, pid: clock.pid, time: clock.now().toISOString() };
  await store.put(key, lockBody(record), { contentType: 'application/json' });
  const held = holdLock(store, key, record, clock, onRefreshError);
  const prune = await readLock(store, layout.pruneLockKey());
  if (prune && (prune.record === undefined || isFresh(prune.record, clock.now()))) {
    await held.release();
    throw new LocationLockedError(layout.pruneLockKey(), prune.record, 'a prune is running on this location; the backup starts once it ended');
  }
  return held;
}
