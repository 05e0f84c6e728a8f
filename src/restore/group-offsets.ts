import type { Admin } from 'kafkajs';
import type { Logger } from '../observability/logger.js';
import type { KeyLayout } from '../storage/key-layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import { latestOffsetSnapshot } from '../storage/offset-snapshot.js';
import { describeTranslation, PartitionTranslator } from './offset-translation.js';
import type { PlannedPartition, RestoreScope } from './restore-plan.js';
import type { PartitionBounds, TargetReader } from './target-scan.js';

/** One row of the translation table: a group's committed offset on an original partition, and where it goes. */
export interface OffsetTranslationRow {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  /** The group's committed offset on the original partition (the next record it reads). */
  readonly committed: string;
  readonly targetTopic: string;
  /** Undefined when not translated (see `note`). */
  readonly targetOffset: string | undefined;
  readonly note: string;
  /** Whether the row is applied to the target group: false when it cannot be translated (an error) or its events are not restored yet. */
  readonly applicable: boolean;
}

export interface SnapshotUsed {
  readonly topic: string;
  readonly key: string;
  readonly takenAt: string;
}

export interface GroupOffsetsPlan {
  readonly rows: readonly OffsetTranslationRow[];
  readonly snapshots: readonly SnapshotUsed[];
  /** Backed-up topics without any snapshot (older backups, snapshots off, no group reading them). */
  readonly topicsWithoutSnapshot: readonly string[];
  /** Rows that cannot be applied and are not merely waiting for events: errors. */
  readonly problems: readonly string[];
}

export interface TranslateInput {
  readonly partitions: readonly PlannedPartition[];
  readonly targetTopicOf: (p: PlannedPartition) => string;
  readonly scope: RestoreScope;
  readonly store: ObjectStore;
  readonly layout: KeyLayout;
  /**
   * The target: a reader and the topics it has. Called only when a snapshot has offsets to
   * translate, so a restore of a backup without snapshots never waits for it.
   */
  readonly target: () => Promise<{ reader: TargetReader; topics: ReadonlySet<string> }>;
  /**
   * A dry run whose events are still to be restored: a row whose record the target does not hold
   * yet says so instead of translating to the target's end.
   */
  readonly eventsPending: boolean;
}

/**
 * The translation table: for each original topic in the plan, the latest snapshot (at or before
 * `--until`), each group's committed offsets translated exactly against what the target holds
 * (target-scan.ts reads the original-position headers).
 */
export async function translateGroupOffsets(input: TranslateInput): Promise<GroupOffsetsPlan> {
  const { scope } = input;
  const targetOf = new Map<string, string>();
  const plannedUpTo = new Map<string, bigint>();
  for (const p of input.partitions) {
    targetOf.set(p.topic, input.targetTopicOf(p));
    const last = p.batches.reduce((m, b) => (BigInt(b.lastOffset) > m ? BigInt(b.lastOffset) : m), -1n);
    plannedUpTo.set(`${p.topic}\u0000${p.partition}`, last);
  }
  const snapshots: SnapshotUsed[] = [];
  const topicsWithoutSnapshot: string[] = [];
  const requests: Array<{ group: string; topic: string; partition: number; committed: bigint }> = [];
  const ranges = scope.offsetRanges ?? [];
  for (const [topic] of targetOf) {
    const found = await latestOffsetSnapshot(input.store, input.layout, topic, scope.untilMs);
    if (!found) {
      topicsWithoutSnapshot.push(topic);
      continue;
    }
    snapshots.push({ topic, key: found.key, takenAt: found.snapshot.takenAt });
    for (const g of found.snapshot.groups) {
      for (const p of g.partitions) {
        // With --partition ranges, only the partitions restored.
        if (ranges.length > 0 && !ranges.some((r) => r.topic === topic && r.partition === p.partition)) continue;
        requests.push({ group: g.group, topic, partition: p.partition, committed: BigInt(p.committed) });
      }
    }
  }
  if (requests.length === 0) return { rows: [], snapshots, topicsWithoutSnapshot, problems: [] };

  // One translator per original partition (restored into the target partition of the same number).
  const id = (topic: string, partition: number) => `${topic}\u0000${partition}`;
  const byPartition = new Map<string, typeof requests>();
  for (const r of requests) byPartition.set(id(r.topic, r.partition), [...(byPartition.get(id(r.topic, r.partition)) ?? []), r]);
  const translators = new Map<string, PartitionTranslator>();
  for (const [key, rs] of byPartition) translators.set(key, new PartitionTranslator(rs.map((r) => r.committed)));
  /** Original partitions some of whose records sit in another target partition (STREAMVAULT_RESTORE_FEWER_PARTITIONS=by-key). */
  const moved = new Set<string>();

  const target = await input.target();
  const targetTopics = [...new Set(requests.map((r) => targetOf.get(r.topic)!))].filter((t) => target.topics.has(t));
  const bounds = targetTopics.length > 0 ? await target.reader.bounds(targetTopics) : new Map<string, PartitionBounds[]>();
  const originalOf = new Map([...targetOf].map(([topic, target]) => [target, topic]));
  const scans = [...byPartition.values()]
    .map((rs) => rs[0]!)
    .filter((r) => bounds.get(targetOf.get(r.topic)!)?.[r.partition] !== undefined)
    .map((r) => ({ topic: targetOf.get(r.topic)!, partition: r.partition, from: 0n }));
  // Every partition of the target topics is read: a record moved by key can sit in any of them.
  const scanAll = [...bounds].flatMap(([topic, parts]) => parts.map((_, partition) => ({ topic, partition, from: 0n })));
  await target.reader.scan(scans.length > 0 ? scanAll : [], bounds, (record) => {
    if (originalOf.get(record.topic) !== record.origin.topic) return;
    const key = id(record.origin.topic, record.origin.partition);
    const translator = translators.get(key);
    if (!translator) return;
    if (record.partition !== record.origin.partition) {
      moved.add(key);
      return;
    }
    translator.visit(record.origin.offset, record.offset);
  });

  const rows: OffsetTranslationRow[] = [];
  const problems: string[] = [];
  for (const [key, rs] of byPartition) {
    const translator = translators.get(key)!;
    rs.forEach((r, index) => {
      const targetTopic = targetOf.get(r.topic)!;
      const end = bounds.get(targetTopic)?.[r.partition]?.high;
      const base = { group: r.group, topic: r.topic, partition: r.partition, committed: r.committed.toString(), targetTopic };
      const refuse = (note: string) => {
        rows.push({ ...base, targetOffset: undefined, note, applicable: false });
        problems.push(`group ${r.group}, ${r.topic} partition ${r.partition}: ${note}`);
      };
      if (!target.topics.has(targetTopic)) {
        if (input.eventsPending) {
          rows.push({ ...base, targetOffset: undefined, note: `translated once the events are restored (target topic ${targetTopic} does not exist yet)`, applicable: false });
          return;
        }
        return refuse(`not translated: target topic ${targetTopic} does not exist; restore the events first (--what events or both)`);
      }
      if (end === undefined) return refuse(`not translated: target topic ${targetTopic} has no partition ${r.partition}`);
      if (moved.has(key)) return refuse(`not translated: records of this partition were placed by key into other partitions of ${targetTopic}`);
      const t = translator.translate(index, end);
      const backedUp = plannedUpTo.get(key) ?? -1n;
      if (t.kind !== 'record' && backedUp >= r.committed && (translator.lastOriginOffset ?? -1n) < backedUp) {
        // The backup holds records at or after the committed offset that the target does not.
        if (input.eventsPending) {
          rows.push({ ...base, targetOffset: undefined, note: 'translated once the events are restored (the target does not hold them yet)', applicable: false });
          return;
        }
        if (t.kind === 'no-records') return refuse('not translated: the target holds none of the backed-up records of this partition; restore the events first (--what events or both)');
      }
      rows.push({ ...base, targetOffset: t.target.toString(), note: describeTranslation(r.committed, t), applicable: true });
    });
  }
  rows.sort((a, b) => a.group.localeCompare(b.group) || a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return { rows, snapshots, topicsWithoutSnapshot, problems };
}

export type GroupsAdmin = Pick<Admin, 'describeGroups' | 'setOffsets' | 'fetchOffsets'>;

export interface ApplyResult {
  /** Groups whose offsets were set and read back equal. */
  readonly applied: readonly string[];
  /** Groups with members in the target: left unchanged. */
  readonly refused: ReadonlyArray<{ group: string; state: string; members: number }>;
  /** Failures to set or to verify (what was expected, what the target answered). */
  readonly errors: readonly string[];
}

/** States of a group with nobody in it: the only ones whose offsets may be set. */
const SETTABLE_STATES = new Set(['Empty', 'Dead', 'Unknown', '']);

/**
 * Sets the translated offsets of each group that is empty in the target (refusing any other, so a
 * running consumer never sees its position moved), then reads them back.
 */
export async function applyGroupOffsets(admin: GroupsAdmin, rows: readonly OffsetTranslationRow[], logger: Logger): Promise<ApplyResult> {
  const byGroup = new Map<string, OffsetTranslationRow[]>();
  for (const row of rows) if (row.applicable && row.targetOffset !== undefined) byGroup.set(row.group, [...(byGroup.get(row.group) ?? []), row]);
  const applied: string[] = [];
  const refused: Array<{ group: string; state: string; members: number }> = [];
  const errors: string[] = [];
  if (byGroup.size === 0) return { applied, refused, errors };

  const described = new Map((await admin.describeGroups([...byGroup.keys()])).groups.map((g) => [g.groupId, g]));
  for (const [group, groupRows] of byGroup) {
    const d = described.get(group);
    const state = d?.state ?? 'Unknown';
    if (!SETTABLE_STATES.has(state) || (d?.members.length ?? 0) > 0) {
      refused.push({ group, state, members: d?.members.length ?? 0 });
      continue;
    }
    const byTopic = new Map<string, OffsetTranslationRow[]>();
    for (const row of groupRows) byTopic.set(row.targetTopic, [...(byTopic.get(row.targetTopic) ?? []), row]);
    let failed = false;
    for (const [topic, topicRows] of byTopic) {
      try {
        await admin.setOffsets({ groupId: group, topic, partitions: topicRows.map((r) => ({ partition: r.partition, offset: r.targetOffset! })) });
      } catch (error) {
        failed = true;
        errors.push(`group ${group}: setting its offsets on ${topic} failed: ${(error as Error).message}`);
      }
    }
    if (failed) continue;
    // Read back: the target's answer, not the request, says what the group resumes from.
    const fetched = await admin.fetchOffsets({ groupId: group, topics: [...byTopic.keys()] });
    const actual = new Map(fetched.flatMap((t) => t.partitions.map((p) => [`${t.topic}\u0000${p.partition}`, p.offset] as const)));
    const mismatches = groupRows.filter((r) => actual.get(`${r.targetTopic}\u0000${r.partition}`) !== r.targetOffset);
    for (const r of mismatches) {
      errors.push(`group ${group}, ${r.targetTopic} partition ${r.partition}: expected committed offset ${r.targetOffset} after setting it, the target answered ${actual.get(`${r.targetTopic}\u0000${r.partition}`) ?? 'none'}`);
    }
    if (mismatches.length === 0) {
      applied.push(group);
      logger.info({ group, partitions: groupRows.length }, 'consumer-group offsets set in the target and read back');
    }
  }
  return { applied, refused, errors };
}

/** The table as text (dry run and the restore's summary). */
export function translationTableText(plan: GroupOffsetsPlan): string[] {
  const lines: string[] = [];
  for (const s of plan.snapshots) lines.push(`consumer offsets of ${s.topic}: snapshot ${s.takenAt} (${s.key})`);
  for (const t of plan.topicsWithoutSnapshot) lines.push(`consumer offsets of ${t}: no snapshot in the backup; no group offsets to translate`);
  if (plan.rows.length === 0) return lines;
  const w = {
    group: Math.max(5, ...plan.rows.map((r) => r.group.length)),
    topic: Math.max(5, ...plan.rows.map((r) => r.topic.length)),
    target: Math.max(12, ...plan.rows.map((r) => r.targetTopic.length)),
  };
  lines.push(`${'group'.padEnd(w.group)}  ${'topic'.padEnd(w.topic)}  ${'partition'.padStart(9)}  ${'committed'.padStart(12)}  ${'target topic'.padEnd(w.target)}  ${'target'.padStart(12)}  note`);
  for (const r of plan.rows) {
    lines.push(
      `${r.group.padEnd(w.group)}  ${r.topic.padEnd(w.topic)}  ${String(r.partition).padStart(9)}  ${r.committed.padStart(12)}  ${r.targetTopic.padEnd(w.target)}  ${(r.targetOffset ?? '-').padStart(12)}  ${r.note}`,
    );
  }
  return lines;
}

export function translationTableJson(plan: GroupOffsetsPlan): Record<string, unknown> {
  return {
    snapshots: plan.snapshots,
    topics_without_snapshot: plan.topicsWithoutSnapshot,
    rows: plan.rows.map((r) => ({
      group: r.group,
      topic: r.topic,
      partition: r.partition,
      committed: r.committed,
      target_topic: r.targetTopic,
      target_offset: r.targetOffset ?? null,
      note: r.note,
    })),
  };
}
