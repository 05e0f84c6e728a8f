import PQueue from 'p-queue';
import type { Pair } from '../config/pair.js';
import type { OffsetsAdmin } from '../observability/consumer-lag.js';

/** Legacy groups asked at once (only pairs with partitions the backup group has no commit for). */
const LEGACY_FETCHES_AT_ONCE = 8;

export interface AssignedPair {
  readonly pair: Pair;
  readonly partitions: readonly number[];
  /** The group this pair consumed in before one group served every pair (`<group>.<source>.<event>`). */
  readonly legacyGroupId: string;
}

export interface TakenOver {
  readonly pair: Pair;
  readonly partition: number;
  readonly offset: bigint;
  /** The group whose commit it was. */
  readonly from: string;
}

export interface StartOffsets {
  /** Per topic, per assigned partition, the offset the backup continues at; absent: no commit anywhere. */
  readonly committed: ReadonlyMap<string, ReadonlyMap<number, bigint>>;
  /** Partitions without a commit in the backup group whose pair's former group had one. */
  readonly takenOver: readonly TakenOver[];
}

/**
 * Where each assigned partition continues: the backup group's commit, else the commit of the
 * pair's own group of earlier versions (one group per pair), so that the first start of the
 * one-group layout neither re-reads from the beginning nor skips to the end. A partition without
 * a commit in either starts where STREAMVAULT_KAFKA_FROM_BEGINNING says. One offset fetch for the
 * backup group; a legacy group is asked only for pairs that have partitions without a commit.
 */
export async function startOffsets(deps: {
  readonly admin: Pick<OffsetsAdmin, 'fetchOffsets'>;
  readonly groupId: string;
  readonly assigned: readonly AssignedPair[];
}): Promise<StartOffsets> {
  const { admin, groupId, assigned } = deps;
  const topics = assigned.map((a) => a.pair.topic);
  const committed = new Map<string, Map<number, bigint>>();
  for (const topic of await admin.fetchOffsets({ groupId, topics })) {
    const byPartition = new Map<number, bigint>();
    // kafkajs reports "no commit" as -1 (and commits -2 itself after an out-of-range reset).
    for (const p of topic.partitions) if (BigInt(p.offset) >= 0n) byPartition.set(p.partition, BigInt(p.offset));
    committed.set(topic.topic, byPartition);
  }
  const takenOver: TakenOver[] = [];
  const queue = new PQueue({ concurrency: LEGACY_FETCHES_AT_ONCE });
  await Promise.all(
    assigned.map(({ pair, partitions, legacyGroupId }) => {
      const own = committed.get(pair.topic) ?? new Map<number, bigint>();
      committed.set(pair.topic, own);
      const missing = new Set(partitions.filter((p) => !own.has(p)));
      if (missing.size === 0) return undefined;
      return queue.add(async () => {
        for (const topic of await admin.fetchOffsets({ groupId: legacyGroupId, topics: [pair.topic] })) {
          if (topic.topic !== pair.topic) continue;
          for (const p of topic.partitions) {
            if (!missing.has(p.partition) || BigInt(p.offset) < 0n) continue;
            own.set(p.partition, BigInt(p.offset));
            takenOver.push({ pair, partition: p.partition, offset: BigInt(p.offset), from: legacyGroupId });
          }
        }
      });
    }),
  );
  takenOver.sort((a, b) => a.pair.topic.localeCompare(b.pair.topic) || a.partition - b.partition);
  return { committed, takenOver };
}
