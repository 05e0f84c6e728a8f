import { describe, expect, it } from 'vitest';
import { inSubset, parseDataSubset } from '../../../src/verify/data-subset.js';

describe('parseDataSubset', () => {
  it('accepts n/t and x%', () => {
    expect(parseDataSubset('2/5')).toEqual({ ok: true, subset: { kind: 'part', n: 2, t: 5 } });
    expect(parseDataSubset(' 12.5% ')).toEqual({ ok: true, subset: { kind: 'percent', percent: 12.5 } });
  });

  it.each(['0/3', '4/3', '1/0', '0%', '101%', 'half', '1/2/3', ''])('refuses %j, saying what it expected', (raw) => {
    const parsed = parseDataSubset(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(/^expected .*got/);
  });
});

describe('inSubset', () => {
  it('puts every key in exactly one of the parts 1/t..t/t, whatever t', () => {
    const keys = Array.from({ length: 500 }, (_, i) => `events/s/e/p000000/${String(i).padStart(20, '0')}-2026-01-02.avro`);
    for (const t of [1, 3, 7]) {
      const parts = Array.from({ length: t }, (_, n) => keys.filter((k) => inSubset({ kind: 'part', n: n + 1, t }, k)));
      expect(parts.flat().sort()).toEqual([...keys].sort());
      // Not all in one part: the hash spreads them.
      if (t > 1) for (const part of parts) expect(part.length).toBeGreaterThan(500 / t / 2);
    }
  });

  it('samples x% with the random source it is given', () => {
    let i = 0;
    const random = () => (i++ % 10) / 10; // 0, 0.1, ..., 0.9
    const picked = Array.from({ length: 100 }, (_, k) => inSubset({ kind: 'percent', percent: 30 }, `k${k}`, random));
    expect(picked.filter(Boolean).length).toBe(30);
  });
});
