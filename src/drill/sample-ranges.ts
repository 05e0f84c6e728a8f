import type { OffsetRange } from '../restore/offset-ranges.js';
import type { PlannedPartition } from '../restore/restore-plan.js';

/**
 * `drill --sample N`: N backup batches per partition, spread evenly from the first to the last
 * (all of them when the partition has N or fewer), as ranges of original offsets. Whole batches
 * rather than single records, so a sample reads each chosen object once and checks it whole;
 * spread, so old objects are drilled as well as new ones.
 */
export function sampleRanges(partitions: readonly PlannedPartition[], batchesPerPartition: number): OffsetRange[] {
  const ranges: OffsetRange[] = [];
  for (const p of partitions) {
    const n = p.batches.length;
    const picks = new Set<number>();
    if (n <= batchesPerPartition) for (let i = 0; i < n; i += 1) picks.add(i);
    else if (batchesPerPartition === 1) picks.add(0);
    else for (let i = 0; i < batchesPerPartition; i += 1) picks.add(Math.round((i * (n - 1)) / (batchesPerPartition - 1)));
    for (const i of [...picks].sort((a, b) => a - b)) {
      const b = p.batches[i]!;
      ranges.push({ topic: p.topic, partition: p.partition, from: BigInt(b.firstOffset), to: BigInt(b.lastOffset) });
    }
  }
  return ranges;
}
