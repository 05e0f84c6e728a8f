import type { Admin } from 'kafkajs';
import type { Logger } from '../observability/logger.js';
import type { TopicRecord } from '../storage/topic-record.js';
import type { PlannedPartition } from './restore-plan.js';

/** A target topic as the restore needs it: at least this many partitions; these configs when it creates it. */
export interface TargetTopicSpec {
  readonly topic: string;
  readonly partitions: number;
  readonly configs: Readonly<Record<string, string>>;
  /** `recorded`: the backup's topic record; `manifests`: an older backup without one (highest partition + 1, target defaults). */
  readonly basis: 'recorded' | 'manifests';
  readonly originals: readonly string[];
}

/**
 * One spec per target topic. Several original topics can map to one target (a template without
 * `{topic}`): the target needs the most partitions any of them had, and takes the configs of the
 * first original (by name) that has a record.
 */
export function planTargetTopics(
  partitions: readonly PlannedPartition[],
  targetTopicOf: (p: PlannedPartition) => string,
  records: ReadonlyMap<string, TopicRecord>,
): TargetTopicSpec[] {
  const byTarget = new Map<string, { partitions: number; originals: Set<string> }>();
  for (const p of partitions) {
    const target = targetTopicOf(p);
    const entry = byTarget.get(target) ?? { partitions: 0, originals: new Set<string>() };
    entry.partitions = Math.max(entry.partitions, p.partition + 1, records.get(p.topic)?.partitions ?? 0);
    entry.originals.add(p.topic);
    byTarget.set(target, entry);
  }
  return [...byTarget]
    .map(([topic, entry]) => {
      const originals = [...entry.originals].sort();
      const record = originals.map((o) => records.get(o)).find((r) => r !== undefined);
      return { topic, partitions: entry.partitions, configs: record?.configs ?? {}, basis: record ? 'recorded' : 'manifests', originals } as const;
    })
    .sort((a, b) => a.topic.localeCompare(b.topic));
}

export interface TargetClusterInfo {
  readonly brokers: number;
  /**
   * Whether the controller the cluster names is one of its brokers. Real Kafka (ZooKeeper or KRaft)
   * always names a live broker; librdkafka's mock cluster names node 0, which none of its brokers is,
   * so kafkajs cannot send it the requests that go to the controller (CreateTopics, InitProducerId).
   */
  readonly controllerIsBroker: boolean;
}

export async function describeTargetCluster(admin: Admin): Promise<TargetClusterInfo> {
  const cluster = await admin.describeCluster();
  return { brokers: cluster.brokers.length, controllerIsBroker: cluster.brokers.some((b) => b.nodeId === cluster.controller) };
}

export type FewerPartitionsPolicy = 'refuse' | 'by-key';

export interface EnsureTopicsOptions {
  /** Create missing topics (true), or leave that to the cluster's auto-creation (false). */
  readonly create: boolean;
  /** Replicas of a created topic; 0: min(3, brokers). (kafkajs speaks CreateTopics v3, which has no "broker default".) */
  readonly replicationFactor: number;
  readonly brokers: number;
  readonly fewerPartitions: FewerPartitionsPolicy;
}

export type TopicState = { readonly spec: TargetTopicSpec; readonly state: 'created' | 'exists' | 'left-to-cluster'; readonly partitions?: number };

export type EnsureTopicsOutcome = { kind: 'ready'; topics: readonly TopicState[] } | { kind: 'refused'; message: string };

/**
 * Before anything is produced: every target topic exists with enough partitions. A missing one is
 * created with the recorded partition count and configs; one with fewer partitions than the
 * original is refused (unless by-key placement was chosen), because records would leave their
 * original partition and its order.
 */
export async function ensureTargetTopics(admin: Admin, specs: readonly TargetTopicSpec[], options: EnsureTopicsOptions, logger: Logger): Promise<EnsureTopicsOutcome> {
  const existing = await existingPartitionCounts(admin, specs);
  const states: TopicState[] = [];
  const tooSmall: string[] = [];
  const missing: TargetTopicSpec[] = [];
  for (const spec of specs) {
    const count = existing.get(spec.topic);
    if (count === undefined) missing.push(spec);
    else {
      if (count < spec.partitions) tooSmall.push(`${spec.topic} has ${count} partition(s), the backup of ${spec.originals.join(', ')} needs ${spec.partitions}`);
      states.push({ spec, state: 'exists', partitions: count });
    }
  }
  if (tooSmall.length > 0 && options.fewerPartitions === 'refuse') {
    return {
      kind: 'refused',
      message: `expected every existing target topic to have at least the original partition count, got: ${tooSmall.join('; ')}. Add partitions (kafka-topics --alter --partitions), restore into new topics (STREAMVAULT_RESTORE_TOPIC_TEMPLATE), or set STREAMVAULT_RESTORE_FEWER_PARTITIONS=by-key to place records by key`,
    };
  }
  if (missing.length === 0) return { kind: 'ready', topics: states };
  if (!options.create) return { kind: 'ready', topics: [...states, ...missing.map((spec) => ({ spec, state: 'left-to-cluster' as const }))] };

  const replicationFactor = options.replicationFactor > 0 ? options.replicationFactor : Math.max(1, Math.min(3, options.brokers));
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((spec) => ({
      topic: spec.topic,
      numPartitions: spec.partitions,
      replicationFactor,
      configEntries: Object.entries(spec.configs).map(([name, value]) => ({ name, value })),
    })),
  });
  // Another restore (or a producer with auto-creation) may have created one meanwhile: check what stands.
  const after = await existingPartitionCounts(admin, missing);
  for (const spec of missing) {
    const count = after.get(spec.topic);
    if (count === undefined) return { kind: 'refused', message: `expected target topic ${spec.topic} to exist after creating it, got no such topic` };
    if (count < spec.partitions && options.fewerPartitions === 'refuse') {
      return { kind: 'refused', message: `expected target topic ${spec.topic} to have ${spec.partitions} partitions after creating it, got ${count} (created concurrently by someone else?)` };
    }
    logger.info({ topic: spec.topic, partitions: count, replicationFactor, configs: spec.configs, basis: spec.basis }, 'created the target topic');
    states.push({ spec, state: 'created', partitions: count });
  }
  return { kind: 'ready', topics: states };
}

/** Partition counts of the specs' topics that exist. listTopics first: a metadata request naming a missing topic would auto-create it. */
export async function existingPartitionCounts(admin: Admin, specs: readonly Pick<TargetTopicSpec, 'topic'>[]): Promise<Map<string, number>> {
  const all = new Set(await admin.listTopics());
  const present = specs.map((s) => s.topic).filter((t) => all.has(t));
  const counts = new Map<string, number>();
  if (present.length === 0) return counts;
  const metadata = await admin.fetchTopicMetadata({ topics: present });
  for (const t of metadata.topics) counts.set(t.name, t.partitions.length);
  return counts;
}
