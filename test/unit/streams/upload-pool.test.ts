import { describe, expect, it } from 'vitest';
import type { StreamRef } from '../../../src/filecache/stream-file-cache.js';
import { until } from '../../helpers/until.js';
import { UploadPool } from '../../../src/streams/upload-pool.js';

const BACKOFF = { minDelayMs: 10, maxDelayMs: 100 };
const ref = (i: number): StreamRef => ({ source: 's', label: 'l', sha256: i.toString(16).padStart(64, '0') });

/** A run function whose copies finish only when the test releases them. */
function gated() {
  const started: string[] = [];
  const release = new Map<string, () => void>();
  const aborted: string[] = [];
  const run = (r: StreamRef, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      started.push(r.sha256);
      release.set(r.sha256, resolve);
      signal.addEventListener('abort', () => (aborted.push(r.sha256), resolve()));
    });
  return { started, release, aborted, run };
}

describe('UploadPool', () => {
  it('validates its options like p-queue does', () => {
    expect(() => new UploadPool({ concurrency: 0, maxQueued: 1, run: async () => {}, destinationBackoff: BACKOFF })).toThrow('Expected `concurrency` to be an integer from 1 and up, got `0` (number)');
  });

  it('keeps the waiting line within its bound however many callers wait at once', async () => {
    const g = gated();
    const pool = new UploadPool({ concurrency: 2, maxQueued: 3, run: g.run, destinationBackoff: BACKOFF });
    let admitted = 0;
    const admissions = Array.from({ length: 20 }, (_, i) => pool.admit(ref(i)).then(() => admitted++));
    await new Promise((r) => setTimeout(r, 20));
    expect(pool.running).toBe(2);
    expect(pool.queued).toBe(3);
    expect(admitted).toBe(5);
    let maxQueued = 0;
    while (admitted < 20) {
      maxQueued = Math.max(maxQueued, pool.queued);
      for (const [sha, done] of g.release) (g.release.delete(sha), done());
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(admissions);
    expect(maxQueued).toBeLessThanOrEqual(3);
    await expect(pool.admit(ref(0))).resolves.toBe('queued');
  });

  it('refuses duplicates of a queued or running sha256', async () => {
    const g = gated();
    const pool = new UploadPool({ concurrency: 1, maxQueued: 10, run: g.run, destinationBackoff: BACKOFF });
    expect(await pool.admit(ref(1))).toBe('queued');
    expect(await pool.admit(ref(2))).toBe('queued');
    expect(await pool.admit(ref(1))).toBe('duplicate');
    expect(await pool.admit(ref(2))).toBe('duplicate');
  });

  it('closing admission wakes waiters with closed; halt drops the waiting line but lets running copies finish', async () => {
    const g = gated();
    const pool = new UploadPool({ concurrency: 1, maxQueued: 1, run: g.run, destinationBackoff: BACKOFF });
    await pool.admit(ref(1));
    await pool.admit(ref(2));
    const waiting = pool.admit(ref(3));
    expect(pool.halt()).toBe(1);
    expect(await waiting).toBe('closed');
    expect(pool.queued).toBe(0);
    g.release.get(ref(1).sha256)!();
    await new Promise((r) => setTimeout(r, 10));
    expect(g.started).toEqual([ref(1).sha256]);
  });

  it('drains within the grace period, then aborts what still runs', async () => {
    const g = gated();
    const pool = new UploadPool({ concurrency: 2, maxQueued: 10, run: g.run, destinationBackoff: BACKOFF });
    for (let i = 0; i < 4; i++) await pool.admit(ref(i));
    g.release.get(ref(0).sha256)!();
    const result = await pool.drain(50);
    expect(result).toEqual({ completed: false });
    expect(g.aborted.length).toBeGreaterThanOrEqual(1);
    expect(pool.running).toBe(0);
    expect(pool.queued).toBe(0);
  });

  it('one back-off round for the copies that fail together: 20 concurrent refusals pause once, not 20 doublings', async () => {
    const attempts = new Map<string, number>();
    const completed = new Set<string>();
    let release!: () => void;
    const allStarted = new Promise<void>((resolve) => (release = resolve));
    const run = async (r: StreamRef) => {
      const n = (attempts.get(r.sha256) ?? 0) + 1;
      attempts.set(r.sha256, n);
      if (n === 1) {
        // Every first attempt is in flight at once, then all are refused.
        if (attempts.size === 20) release();
        await allStarted;
        return 'destination-unavailable' as const;
      }
      completed.add(r.sha256);
    };
    // A doubling per refused copy would reach the 60 s cap; one round is 50 ms.
    const pool = new UploadPool({ concurrency: 20, maxQueued: 20, run, destinationBackoff: { minDelayMs: 50, maxDelayMs: 60_000 } });
    for (let i = 0; i < 20; i++) await pool.admit(ref(i));
    await until('every copy stored after one short pause', async () => (completed.size === 20 ? true : undefined), 10_000, 10);
    expect([...attempts.values()].every((n) => n === 2)).toBe(true);
    expect(pool.backoffMs).toBe(0);
  });

  it('a refusal in the next round doubles the pause; resumeNow ends a pause at once', async () => {
    let refuse = 2;
    const stored: string[] = [];
    const pool = new UploadPool({
      concurrency: 1,
      maxQueued: 5,
      run: async (r) => {
        if (refuse-- > 0) return 'destination-unavailable';
        stored.push(r.sha256);
      },
      destinationBackoff: { minDelayMs: 20, maxDelayMs: 600_000 },
    });
    await pool.admit(ref(1));
    await until('second round', async () => (pool.backoffMs === 40 ? true : undefined), 5_000, 5);
    expect(pool.paused).toBe(true);
    pool.resumeNow();
    await until('stored after resumeNow', async () => (stored.length === 1 ? true : undefined), 5_000, 5);
    expect(stored).toEqual([ref(1).sha256]);
  });
});
