import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../../src/output/format-duration.js';

describe('formatDuration', () => {
  it('prints seconds, then minutes, hours and days with the next unit zero-padded', () => {
    expect([0, 0.4, 59.4, 59.6, 60, 185, 3599, 3600, 7620, 86_399, 86_400, 273_600].map(formatDuration)).toEqual([
      '0s', '0s', '59s', '1m00s', '1m00s', '3m05s', '59m59s', '1h00m', '2h07m', '23h59m', '1d00h', '3d04h',
    ]);
  });

  it('refuses a negative or non-finite duration, naming it', () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => formatDuration(bad)).toThrow(`got ${bad}`);
  });
});
