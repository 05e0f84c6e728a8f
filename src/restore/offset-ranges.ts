/**
 * `restore --partition topic:p --from-offset N --to-offset M`: ranges of original offsets, both
 * ends inclusive. The i-th `--partition` goes with the i-th `--from-offset` and `--to-offset`;
 * several ranges may name the same partition (their union is restored). With any range given,
 * only the partitions named are restored.
 */
export interface OffsetRange {
  /** Original topic, as the backup recorded it. */
  readonly topic: string;
  readonly partition: number;
  /** First original offset restored (inclusive). */
  readonly from: bigint;
  /** Last original offset restored (inclusive). */
  readonly to: bigint;
}

export type ParsedOffsetRanges = { ok: true; ranges: OffsetRange[] } | { ok: false; problems: string[] };

const OFFSET = /^\d{1,19}$/;

/** Validates the three repeated flags together; every problem is reported, not only the first. */
export function parseOffsetRanges(input: { partitions: readonly string[]; fromOffsets: readonly string[]; toOffsets: readonly string[] }): ParsedOffsetRanges {
  const { partitions, fromOffsets, toOffsets } = input;
  const problems: string[] = [];
  if (partitions.length !== fromOffsets.length || partitions.length !== toOffsets.length) {
    problems.push(
      `--partition/--from-offset/--to-offset: expected each --partition with one --from-offset and one --to-offset, got ${partitions.length} --partition, ${fromOffsets.length} --from-offset, ${toOffsets.length} --to-offset`,
    );
    return { ok: false, problems };
  }
  const ranges: OffsetRange[] = [];
  partitions.forEach((raw, i) => {
    const cut = raw.lastIndexOf(':');
    const topic = cut > 0 ? raw.slice(0, cut) : '';
    const partitionText = cut > 0 ? raw.slice(cut + 1) : '';
    const fromText = fromOffsets[i]!.trim();
    const toText = toOffsets[i]!.trim();
    const before = problems.length;
    if (topic === '' || !/^\d{1,9}$/.test(partitionText)) {
      problems.push(`--partition: expected topic:partition such as orders:0, got ${JSON.stringify(raw)}`);
    }
    if (!OFFSET.test(fromText)) problems.push(`--from-offset: expected an offset (a whole number >= 0), got ${JSON.stringify(fromOffsets[i])}`);
    if (!OFFSET.test(toText)) problems.push(`--to-offset: expected an offset (a whole number >= 0), got ${JSON.stringify(toOffsets[i])}`);
    if (problems.length > before) return;
    const range = { topic, partition: Number(partitionText), from: BigInt(fromText), to: BigInt(toText) };
    if (range.from > range.to) {
      problems.push(`--from-offset/--to-offset of --partition ${raw}: expected from <= to, got ${range.from} > ${range.to}`);
      return;
    }
    ranges.push(range);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, ranges };
}

/** No ranges: every offset is in scope. */
export function inOffsetScope(ranges: readonly OffsetRange[], topic: string, partition: number, offset: bigint): boolean {
  if (ranges.length === 0) return true;
  return ranges.some((r) => r.topic === topic && r.partition === partition && offset >= r.from && offset <= r.to);
}

/** Whether a batch of original offsets [first, last] of a partition holds any offset in scope. */
export function batchOverlapsRanges(ranges: readonly OffsetRange[], topic: string, partition: number, first: bigint, last: bigint): boolean {
  if (ranges.length === 0) return true;
  return ranges.some((r) => r.topic === topic && r.partition === partition && first <= r.to && last >= r.from);
}

/** Whether every offset of a batch [first, last] is in scope (the plan's event count is then exact). */
export function batchInsideRanges(ranges: readonly OffsetRange[], topic: string, partition: number, first: bigint, last: bigint): boolean {
  if (ranges.length === 0) return true;
  return ranges.some((r) => r.topic === topic && r.partition === partition && first >= r.from && last <= r.to);
}

/**
 * Ranges naming a partition the backup does not hold (among the pairs in scope), as messages for
 * the operator; `known` lists what the backup holds, as `topic:partition`.
 */
export function unknownRangePartitions(ranges: readonly OffsetRange[], known: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const r of ranges) {
    const id = `${r.topic}:${r.partition}`;
    if (known.has(id)) continue;
    const partitionsOfTopic = [...known].filter((k) => k.slice(0, k.lastIndexOf(':')) === r.topic);
    problems.push(
      partitionsOfTopic.length === 0
        ? `--partition ${id}: expected a topic the backup holds (in the --source/--event scope), got ${r.topic}, which it does not hold`
        : `--partition ${id}: expected a partition the backup holds of ${r.topic} (${partitionsOfTopic.map((k) => k.slice(k.lastIndexOf(':') + 1)).join(', ')}), got ${r.partition}`,
    );
  }
  return problems;
}
