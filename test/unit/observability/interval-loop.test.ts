import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { every, IntervalLoop } from '../../../src/observability/interval-loop.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('IntervalLoop', () => {
  it('never overlaps runs: ticks during a slow run are skipped', async () => {
    const started: number[] = [];
    let finish: () => void = () => {};
    const loop = every(100, () => {
      started.push(Date.now());
      return new Promise<void>((resolve) => (finish = resolve));
    }, { onError: () => {} });
    await vi.advanceTimersByTimeAsync(450);
    expect(started).toHaveLength(1);
    finish();
    await vi.advanceTimersByTimeAsync(100);
    expect(started).toHaveLength(2);
    expect(started[1]! - started[0]!).toBe(400);
    finish();
    await loop.stop();
  });

  it('reports a failing run to onError and goes on', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const loop = every(50, () => {
      runs += 1;
      if (runs === 1) throw new Error('sync boom');
      if (runs === 2) return Promise.reject(new Error('async boom'));
      return undefined;
    }, { onError: (e) => errors.push((e as Error).message) });
    await vi.advanceTimersByTimeAsync(150);
    expect(runs).toBe(3);
    expect(errors).toEqual(['sync boom', 'async boom']);
    await loop.stop();
  });

  it('runs at start when asked, and not again after stop; stop waits for the run in progress', async () => {
    const events: string[] = [];
    let finish: () => void = () => {};
    const loop = new IntervalLoop(() => {
      events.push('run');
      return new Promise<void>((resolve) => (finish = () => { events.push('done'); resolve(); }));
    }, { intervalMs: 1000, runAtStart: true, onError: () => {} });
    loop.start();
    loop.start();
    expect(events).toEqual(['run']);
    const stopped = loop.stop().then(() => events.push('stopped'));
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual(['run']);
    finish();
    await stopped;
    await vi.advanceTimersByTimeAsync(5000);
    expect(events).toEqual(['run', 'done', 'stopped']);
    expect(loop.started).toBe(false);
  });

  it('unrefs its timer', () => {
    const unref = vi.fn();
    const spy = vi.spyOn(globalThis, 'setInterval').mockReturnValue({ unref } as unknown as NodeJS.Timeout);
    try {
      new IntervalLoop(() => {}, { intervalMs: 10, onError: () => {} }).start();
      expect(unref).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses an interval below 1 ms, saying what arrived', () => {
    expect(() => new IntervalLoop(() => {}, { intervalMs: 0, onError: () => {} })).toThrow('Expected `intervalMs` to be a number from 1 and up, got `0` (number)');
  });
});
