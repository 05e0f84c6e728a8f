import type { Logger } from '../observability/logger.js';
import type { PlannedPartition } from './restore-plan.js';
import { addDigest, recordDigest } from './restored-record.js';
import type { RestoredBatchLine, RestoreJournal } from './restore-journal.js';
import type { PartitionBounds, ScanRequest, TargetScan } from './target-scan.js';

export type CheckMode = 'every-batch' | 'last-batch';

/** How this run relates to earlier restores into the same target. */
export type ResumeDecision =
  | { kind: 'fresh' }
  | { kind: 'incremental'; checkedBatches: number; mode: CheckMode }
  | { kind: 'full'; reason: string };

export interface ResumeState {
  readonly decision: ResumeDecision;
  /** Per original partition (`partitionId`): the highest original offset the target holds; -1 when none. */
  readonly restoredUpTo: ReadonlyMap<string, bigint>;
  readonly bounds: ReadonlyMap<string, readonly PartitionBounds[]>;
}

export function partitionId(targetTopic: string, topic: string, partition: number): string {
  return `${targetTopic}\u0000${topic}\u0000${partition}`;
}

export interface DecideResumeInput {
  readonly partitions: readonly PlannedPartition[];
  readonly targetTopicOf: (p: PlannedPartition) => string;
  /** The batches earlier runs finished, and dropping them (what decideResume uses of RestoreJournal). */
  readonly journal: Pick<RestoreJournal, 'batches' | 'reset'>;
  /** The target's bounds and records (TargetReader; a fake in unit tests). */
  readonly reader: TargetScan;
  readonly mode: CheckMode;
  readonly forceFull: boolean;
  readonly logger: Logger;
}

/**
 * Decides where every original partition continues, learned from ZODB repozo's incremental recover:
 * when this target was restored into before, first check that it still holds what the journal says
 * was restored (every batch, or with --quick only each partition's last), then append only what is
 * newer. When the check fails, or with --full, the journal is dropped and the whole target is read:
 * either way the target, not the journal, says what it holds, so nothing is written twice.
 */
export async function decideResume(input: DecideResumeInput): Promise<ResumeState> {
  const { partitions, journal, reader, logger } = input;
  const targetTopics = [...new Set(partitions.map(input.targetTopicOf))];
  const bounds = await reader.bounds(targetTopics);
  const planned = new Set(partitions.map((p) => partitionId(input.targetTopicOf(p), p.topic, p.partition)));
  const lines = journal.batches.filter((l) => planned.has(partitionId(l.targetTopic, l.topic, l.partition)));

  const fullRead = async (decision: ResumeDecision): Promise<ResumeState> => {
    const restoredUpTo = new Map<string, bigint>();
    await reader.scan(fromLow(bounds), bounds, (r) => {
      const id = partitionId(r.topic, r.origin.topic, r.origin.partition);
      if ((restoredUpTo.get(id) ?? -1n) < r.origin.offset) restoredUpTo.set(id, r.origin.offset);
    });
    return { decision, restoredUpTo, bounds };
  };

  if (input.forceFull) {
    if (journal.batches.length > 0) logger.info({ reason: '--full given' }, 'full restore: --full given; the target is read to skip what it already holds');
    await journal.reset();
    return fullRead({ kind: 'full', reason: '--full given' });
  }
  if (lines.length === 0) return fullRead({ kind: 'fresh' });

  // Lines to check, per original partition, in journal order (= restore order).
  const byPartition = new Map<string, RestoredBatchLine[]>();
  for (const l of lines) {
    const id = partitionId(l.targetTopic, l.topic, l.partition);
    byPartition.set(id, [...(byPartition.get(id) ?? []), l]);
  }
  const checked = input.mode === 'every-batch' ? lines : [...byPartition.values()].map((ls) => ls[ls.length - 1]!);
  const requests = input.mode === 'every-batch' ? fromLow(bounds) : quickWindows(partitions, input.targetTopicOf, byPartition, bounds);

  const accumulators = new Map<RestoredBatchLine, { count: number; digest: bigint }>();
  const checkedBy = new Map<string, RestoredBatchLine[]>();
  for (const l of checked) {
    const id = partitionId(l.targetTopic, l.topic, l.partition);
    checkedBy.set(id, [...(checkedBy.get(id) ?? []), l]);
    accumulators.set(l, { count: 0, digest: 0n });
  }
  const seen = new Map<string, bigint>();
  await reader.scan(requests, bounds, (r) => {
    const id = partitionId(r.topic, r.origin.topic, r.origin.partition);
    if ((seen.get(id) ?? -1n) < r.origin.offset) seen.set(id, r.origin.offset);
    for (const l of checkedBy.get(id) ?? []) {
      if (r.origin.offset < BigInt(l.from) || r.origin.offset > BigInt(l.to)) continue;
      const acc = accumulators.get(l)!;
      acc.count += 1;
      acc.digest = addDigest(acc.digest, recordDigest(r.comparable));
    }
  });

  const failure = firstMismatch(checked, accumulators);
  if (failure !== undefined) {
    logger.warn({ reason: failure }, `incremental check failed, falling back to a full restore: ${failure}`);
    await journal.reset();
    const decision: ResumeDecision = { kind: 'full', reason: failure };
    if (input.mode === 'every-batch') return { decision, restoredUpTo: seen, bounds };
    return fullRead(decision);
  }

  const restoredUpTo = new Map(seen);
  for (const [id, ls] of byPartition) {
    const to = BigInt(ls[ls.length - 1]!.to);
    if ((restoredUpTo.get(id) ?? -1n) < to) restoredUpTo.set(id, to);
  }
  logger.info({ checkedBatches: checked.length, mode: input.mode }, 'incremental check passed: the target holds what was restored before');
  return { decision: { kind: 'incremental', checkedBatches: checked.length, mode: input.mode }, restoredUpTo, bounds };
}

function fromLow(bounds: ReadonlyMap<string, readonly PartitionBounds[]>): ScanRequest[] {
  const requests: ScanRequest[] = [];
  for (const [topic, partitions] of bounds) partitions.forEach((b, partition) => requests.push({ topic, partition, from: b.low }));
  return requests;
}

/**
 * Where a quick check reads in each target partition: from the earliest of (the last batch's first
 * record there, the offset its line says nothing later was written below) over the original
 * partitions restored into it; from the start when one of them has no line yet.
 */
function quickWindows(
  partitions: readonly PlannedPartition[],
  targetTopicOf: (p: PlannedPartition) => string,
  byPartition: ReadonlyMap<string, readonly RestoredBatchLine[]>,
  bounds: ReadonlyMap<string, readonly PartitionBounds[]>,
): ScanRequest[] {
  const requests: ScanRequest[] = [];
  for (const [topic, targetPartitions] of bounds) {
    const sources = partitions.filter((p) => targetTopicOf(p) === topic);
    targetPartitions.forEach((b, partition) => {
      let from = b.high;
      for (const p of sources) {
        const last = byPartition.get(partitionId(topic, p.topic, p.partition))?.at(-1);
        if (!last) {
          from = b.low;
          break;
        }
        const first = last.targets[String(partition)]?.[0];
        const after = last.after[String(partition)];
        for (const candidate of [first, after]) if (candidate !== undefined && BigInt(candidate) < from) from = BigInt(candidate);
        if (first === undefined && after === undefined) from = b.low;
      }
      requests.push({ topic, partition, from });
    });
  }
  return requests;
}

function firstMismatch(
  checked: readonly RestoredBatchLine[],
  accumulators: ReadonlyMap<RestoredBatchLine, { count: number; digest: bigint }>,
): string | undefined {
  for (const l of checked) {
    const acc = accumulators.get(l)!;
    const where = `batch ${l.key} (${l.topic} partition ${l.partition}, offsets ${l.from}..${l.to}) in target topic ${l.targetTopic}`;
    if (acc.count !== l.count) return `${where}: expected the target to hold its ${l.count} records once each, got ${acc.count}`;
    if (acc.digest.toString(16) !== l.digest) return `${where}: expected the records restored before, got different content`;
  }
  return undefined;
}
