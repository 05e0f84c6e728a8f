import { z } from 'zod';
import type { KeyLayout } from './key-layout.js';
import { getIfExists, type ObjectStore } from './object-store.js';

/**
 * `{prefix}topics/{topic}.json`: what a restore needs to create the original topic again when the
 * target cluster lacks it. Written by the backup daemon at start (rewritten only when it changed).
 * Backups made before it existed have none; a restore then takes the partition count from the
 * manifests and creates the topic with the target cluster's defaults.
 */
export interface TopicRecord {
  readonly version: 1;
  readonly topic: string;
  readonly partitions: number;
  /** Configs set on the topic itself (RECORDED_TOPIC_CONFIGS only), by name; broker-wide settings and defaults are left out. */
  readonly configs: Readonly<Record<string, string>>;
  readonly recordedAt: string;
}

/** The configs that shape how a topic keeps and serves its records; the rest are the target cluster's business. */
export const RECORDED_TOPIC_CONFIGS: readonly string[] = [
  'cleanup.policy',
  'retention.ms',
  'retention.bytes',
  'compression.type',
  'min.insync.replicas',
  'max.message.bytes',
  'message.timestamp.type',
  // Which record timestamps the topic accepts (Kafka 4 refuses those over an hour ahead by default):
  // a restore into a topic created without them would refuse records the original took.
  'message.timestamp.before.max.ms',
  'message.timestamp.after.max.ms',
  'segment.bytes',
  'segment.ms',
  'segment.index.bytes',
  'segment.jitter.ms',
  'min.compaction.lag.ms',
  'max.compaction.lag.ms',
  'delete.retention.ms',
  'min.cleanable.dirty.ratio',
];

const topicRecordSchema = z.object({
  version: z.literal(1),
  topic: z.string().min(1),
  partitions: z.number().int().positive(),
  configs: z.record(z.string(), z.string()),
  recordedAt: z.string(),
});

export async function readTopicRecord(store: ObjectStore, layout: KeyLayout, topic: string): Promise<TopicRecord | undefined> {
  const key = layout.topicRecordKey(topic);
  const body = await getIfExists(store, key);
  if (body === undefined) return undefined;
  const parsed = topicRecordSchema.safeParse(JSON.parse(body.toString('utf8')));
  if (!parsed.success) throw new Error(`topic record ${key}: expected ${JSON.stringify(Object.keys(topicRecordSchema.shape))} of version 1, got ${parsed.error.message}`);
  return parsed.data;
}

/** Writes the record unless the stored one already says the same (recordedAt aside). */
export async function writeTopicRecord(store: ObjectStore, layout: KeyLayout, record: TopicRecord): Promise<'written' | 'unchanged'> {
  const current = await readTopicRecord(store, layout, record.topic).catch(() => undefined);
  if (current && sameTopic(current, record)) return 'unchanged';
  await store.put(layout.topicRecordKey(record.topic), Buffer.from(`${JSON.stringify(record, null, 1)}\n`), { contentType: 'application/json' });
  return 'written';
}

function sameTopic(a: TopicRecord, b: TopicRecord): boolean {
  const configs = (r: TopicRecord) => JSON.stringify(Object.entries(r.configs).sort(([x], [y]) => x.localeCompare(y)));
  return a.partitions === b.partitions && configs(a) === configs(b);
}
