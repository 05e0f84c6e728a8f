import { describe, expect, it } from 'vitest';
import { HitCache } from '../../../src/streams/hit-cache.js';

describe('HitCache', () => {
  it('hits what it remembered, and nothing else', () => {
    const cache = new HitCache(10);
    expect(cache.hit('a')).toBe(false);
    cache.remember('a');
    expect([cache.hit('a'), cache.hit('b'), cache.size]).toEqual([true, false, 1]);
  });

  it('forgets the least recently used entry when full; a hit counts as a use', () => {
    const cache = new HitCache(2);
    cache.remember('a');
    cache.remember('b');
    expect(cache.hit('a')).toBe(true);
    cache.remember('c');
    expect([cache.hit('a'), cache.hit('b'), cache.hit('c'), cache.size]).toEqual([true, false, true, 2]);
  });

  it('refuses a size that is not a whole number from 1, saying what it got', () => {
    expect(() => new HitCache(0)).toThrow('Expected `max` to be an integer from 1 and up, got `0` (number)');
    expect(() => new HitCache(1.5)).toThrow('got `1.5` (number)');
  });
});
