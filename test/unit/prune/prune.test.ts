import { describe, expect, it } from 'vitest';
import { parseRetention } from '../../../src/prune/prune.js';

describe('parseRetention', () => {
  it('reads a whole number and a unit; refuses anything else', () => {
    expect(parseRetention('30d')).toBe(30 * 86_400_000);
    expect(parseRetention('12h')).toBe(12 * 3_600_000);
    expect(parseRetention('90m')).toBe(90 * 60_000);
    expect(parseRetention('2w')).toBe(14 * 86_400_000);
    expect(parseRetention('45s')).toBe(45_000);
    for (const bad of ['0d', '30', 'd', '1.5d', '30 days', '-1d', '30y', '']) expect(parseRetention(bad), bad).toBeUndefined();
  });
});
