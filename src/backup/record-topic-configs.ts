import kafkajs, { type Admin } from 'kafkajs';
import type { Logger } from '../observability/logger.js';
import type { KeyLayout } from '../storage/key-layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import { RECORDED_TOPIC_CONFIGS, writeTopicRecord, type TopicRecord } from '../storage/topic-record.js';

export interface RecordTopicConfigsDeps {
  readonly admin: Admin;
  readonly store: ObjectStore;
  readonly layout: KeyLayout;
  readonly logger: Logger;
  readonly now: () => Date;
}

/**
 * Reads each backed-up topic's partition count and the configs set on it from the source
 * cluster and writes them into the backup (topic-record.ts), so that a restore into a cluster
 * without the topic can create it as it was. Topics that do not exist yet are skipped (asking for
 * their metadata would auto-create them). Best effort: this is not backup data, so a cluster that
 * cannot answer (an ACL without DescribeConfigs, a mock broker) gets a warning, not a refusal.
 */
export async function recordTopicConfigs(topics: readonly string[], deps: RecordTopicConfigsDeps): Promise<TopicRecord[]> {
  const { admin, logger } = deps;
  const recorded: TopicRecord[] = [];
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const present = [...new Set(topics)].filter((t) => existing.has(t));
    if (present.length === 0) return recorded;
    const metadata = await admin.fetchTopicMetadata({ topics: present });
    const described = await admin.describeConfigs({
      resources: present.map((name) => ({ type: kafkajs.ConfigResourceTypes.TOPIC, name })),
      includeSynonyms: false,
    });
    for (const topic of present) {
      const partitions = metadata.topics.find((t) => t.name === topic)?.partitions.length ?? 0;
      const resource = described.resources.find((r) => r.resourceName === topic);
      if (partitions === 0 || !resource || resource.errorCode !== 0) {
        logger.warn({ topic, errorCode: resource?.errorCode, errorMessage: resource?.errorMessage }, 'could not read the topic\'s partitions and configs; a restore will use the manifests and the target\'s defaults');
        continue;
      }
      const configs: Record<string, string> = {};
      for (const entry of resource.configEntries) {
        // Only what was set on the topic itself: broker-wide settings (min.insync.replicas=2 on a
        // 3-broker cluster, say) are the target cluster's own business and may not fit it.
        const setOnTopic = entry.configSource === undefined ? !entry.isDefault : entry.configSource === kafkajs.ConfigSource.TOPIC_CONFIG;
        if (RECORDED_TOPIC_CONFIGS.includes(entry.configName) && setOnTopic && entry.configValue !== null && !entry.isSensitive) {
          configs[entry.configName] = entry.configValue;
        }
      }
      const record: TopicRecord = { version: 1, topic, partitions, configs, recordedAt: deps.now().toISOString() };
      const outcome = await writeTopicRecord(deps.store, deps.layout, record);
      if (outcome === 'written') logger.info({ topic, partitions, configs }, 'recorded the topic\'s partitions and configs in the backup');
      recorded.push(record);
    }
  } catch (error) {
    logger.warn({ err: error, topics }, 'could not record the topics\' partitions and configs; a restore will use the manifests and the target\'s defaults');
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  return recorded;
}
