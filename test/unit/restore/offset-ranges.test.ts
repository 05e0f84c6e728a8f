import { describe, expect, it } from 'vitest';
import { batchInsideRanges, batchOverlapsRanges, inOffsetScope, parseOffsetRanges, unknownRangePartitions } from '../../../src/restore/offset-ranges.js';

describe('offset ranges (restore --partition/--from-offset/--to-offset)', () => {
  it('pairs the i-th --partition with the i-th --from-offset and --to-offset, ends inclusive', () => {
    const parsed = parseOffsetRanges({ partitions: ['orders:0', 'a.b-c:12'], fromOffsets: ['5', '0'], toOffsets: ['9', '0'] });
    expect(parsed).toEqual({ ok: true, ranges: [{ topic: 'orders', partition: 0, from: 5n, to: 9n }, { topic: 'a.b-c', partition: 12, from: 0n, to: 0n }] });
    if (!parsed.ok) return;
    expect([4n, 5n, 9n, 10n].map((o) => inOffsetScope(parsed.ranges, 'orders', 0, o))).toEqual([false, true, true, false]);
    expect(inOffsetScope(parsed.ranges, 'orders', 1, 5n)).toBe(false);
    expect(inOffsetScope([], 'any', 3, 7n)).toBe(true);
    expect(batchOverlapsRanges(parsed.ranges, 'orders', 0, 9n, 20n)).toBe(true);
    expect(batchOverlapsRanges(parsed.ranges, 'orders', 0, 10n, 20n)).toBe(false);
    expect(batchInsideRanges(parsed.ranges, 'orders', 0, 5n, 9n)).toBe(true);
    expect(batchInsideRanges(parsed.ranges, 'orders', 0, 5n, 10n)).toBe(false);
  });

  it('reports every malformed argument at once, saying what was expected and what came', () => {
    const parsed = parseOffsetRanges({ partitions: ['orders', 'x:1', 'y:2'], fromOffsets: ['1', '-3', '9'], toOffsets: ['2', 'ten', '4'] });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toEqual([
      '--partition: expected topic:partition such as orders:0, got "orders"',
      '--from-offset: expected an offset (a whole number >= 0), got "-3"',
      '--to-offset: expected an offset (a whole number >= 0), got "ten"',
      '--from-offset/--to-offset of --partition y:2: expected from <= to, got 9 > 4',
    ]);
    const unpaired = parseOffsetRanges({ partitions: ['x:1'], fromOffsets: ['1'], toOffsets: [] });
    expect(unpaired.ok ? [] : unpaired.problems[0]).toContain('got 1 --partition, 1 --from-offset, 0 --to-offset');
  });

  it('names a topic or a partition the backup does not hold', () => {
    const known = new Set(['orders:0', 'orders:1']);
    const ranges = [
      { topic: 'orders', partition: 1, from: 0n, to: 1n },
      { topic: 'orders', partition: 7, from: 0n, to: 1n },
      { topic: 'nope', partition: 0, from: 0n, to: 1n },
    ];
    expect(unknownRangePartitions(ranges, known)).toEqual([
      '--partition orders:7: expected a partition the backup holds of orders (0, 1), got 7',
      '--partition nope:0: expected a topic the backup holds (in the --source/--event scope), got nope, which it does not hold',
    ]);
  });
});
