import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../../src/output/format-bytes.js';

describe('formatBytes', () => {
  it('uses binary (IEC) units, one decimal', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KiB');
    // The size that showed as both 3.01 MB and 3.2 MB in one run.
    expect(formatBytes(3_355_443)).toBe('3.2 MiB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.0 GiB');
  });

  it('refuses what is not a byte count', () => {
    expect(() => formatBytes(-1)).toThrow(/expected a byte count from 0 up, got -1/);
    expect(() => formatBytes(Number.NaN)).toThrow(RangeError);
  });
});
