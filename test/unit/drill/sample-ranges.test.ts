import { describe, expect, it } from 'vitest';
import { sampleRanges } from '../../../src/drill/sample-ranges.js';
import type { PlannedPartition } from '../../../src/restore/restore-plan.js';
import type { ManifestEntry } from '../../../src/storage/manifest.js';

const partition = (batches: Array<[number, number]>): PlannedPartition => ({
  source: 's',
  event: 'e',
  topic: 't',
  partition: 2,
  batches: batches.map(([first, last]) => ({ firstOffset: String(first), lastOffset: String(last) }) as ManifestEntry),
});

describe('drill --sample', () => {
  it('takes N batches per partition spread from the first to the last, each as its offset range', () => {
    const p = partition([[0, 9], [10, 19], [20, 29], [30, 39], [40, 49]]);
    expect(sampleRanges([p], 3).map((r) => [r.partition, r.from, r.to])).toEqual([[2, 0n, 9n], [2, 20n, 29n], [2, 40n, 49n]]);
    expect(sampleRanges([p], 1).map((r) => r.from)).toEqual([0n]);
    expect(sampleRanges([p], 9)).toHaveLength(5);
  });
});
