import { describe, expect, it } from 'vitest';
import { Throttle } from '../../../src/restore/throttle.js';

describe('Throttle', () => {
  it('allows one second of burst, then holds the rate', () => {
    let now = 10_000;
    const throttle = new Throttle({ eventsPerSecond: 100, bytesPerSecond: 0, now: () => now });
    expect(throttle.reserve(100, 0)).toBe(0);
    expect(throttle.reserve(50, 0)).toBe(500);
    now += 500;
    expect(throttle.reserve(10, 0)).toBe(100);
    const unlimited = new Throttle({ eventsPerSecond: 0, bytesPerSecond: 0, now: () => now });
    expect(unlimited.reserve(1e9, 1e12)).toBe(0);
  });

  it('waits for the stricter of the two limits', () => {
    const now = 0;
    const throttle = new Throttle({ eventsPerSecond: 1000, bytesPerSecond: 1000, now: () => now });
    // One second of burst spent on bytes: 2000 bytes take 2 s, 10 events only 10 ms.
    expect(throttle.reserve(10, 2000)).toBe(1000);
    expect(throttle.reserve(1000, 0)).toBe(2000);
  });

  it('does not save up more than one second of burst while idle', () => {
    let now = 0;
    const throttle = new Throttle({ eventsPerSecond: 10, bytesPerSecond: 0, now: () => now });
    now += 60_000;
    expect(throttle.reserve(10, 0)).toBe(0);
    expect(throttle.reserve(10, 0)).toBe(1000);
  });

  it('refuses a negative or non-finite rate, saying which and what it got', () => {
    expect(() => new Throttle({ eventsPerSecond: -1, bytesPerSecond: 0 })).toThrow('Expected `eventsPerSecond` to be a number from 0 and up, got `-1`');
    expect(() => new Throttle({ eventsPerSecond: 0, bytesPerSecond: Number.NaN })).toThrow('Expected `bytesPerSecond` to be a number from 0 and up, got `NaN`');
  });

  it('take() resolves at once when nothing has to wait', async () => {
    const throttle = new Throttle({ eventsPerSecond: 0, bytesPerSecond: 0 });
    await expect(throttle.take(1e9, 1e9)).resolves.toBeUndefined();
  });
});
