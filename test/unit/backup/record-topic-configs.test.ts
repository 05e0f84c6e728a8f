import kafkajs, { type Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { recordTopicConfigs } from '../../../src/backup/record-topic-configs.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { readTopicRecord } from '../../../src/storage/topic-record.js';
import { capturedLogger } from '../../helpers/captured-logger.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const layout = new KeyLayout('');
const now = () => new Date(Date.UTC(2026, 0, 2));
const { TOPIC_CONFIG, DEFAULT_CONFIG, STATIC_BROKER_CONFIG } = kafkajs.ConfigSource;

type Entry = { configName: string; configValue: string | null; configSource?: number; isDefault?: boolean; isSensitive?: boolean };

/** A source cluster's admin client: topics with their partition counts and config entries. */
function fakeAdmin(topics: Record<string, { partitions: number; entries: Entry[]; errorCode?: number }>, fail?: Error) {
  const calls: string[] = [];
  const admin = {
    connect: async () => void calls.push('connect'),
    disconnect: async () => void calls.push('disconnect'),
    listTopics: async () => {
      if (fail) throw fail;
      return Object.keys(topics);
    },
    fetchTopicMetadata: async ({ topics: asked }: { topics: string[] }) => {
      calls.push(`metadata ${asked.join(',')}`);
      return { topics: asked.map((name) => ({ name, partitions: Array.from({ length: topics[name]!.partitions }, (_, partitionId) => ({ partitionId })) })) };
    },
    describeConfigs: async ({ resources }: { resources: Array<{ name: string }> }) => ({
      resources: resources.map(({ name }) => ({
        resourceName: name,
        errorCode: topics[name]!.errorCode ?? 0,
        errorMessage: null,
        configEntries: topics[name]!.entries.map((e) => ({ isDefault: false, isSensitive: false, ...e })),
      })),
    }),
  };
  return { admin: admin as unknown as Admin, calls };
}

describe('recordTopicConfigs', () => {
  it('records partitions and only the recorded configs set on the topic itself, skipping topics that do not exist', async () => {
    const store = new MemoryObjectStore();
    const { logger } = capturedLogger('info');
    const { admin, calls } = fakeAdmin({
      orders: {
        partitions: 6,
        entries: [
          { configName: 'cleanup.policy', configValue: 'compact', configSource: TOPIC_CONFIG },
          { configName: 'retention.ms', configValue: '604800000', configSource: DEFAULT_CONFIG },
          { configName: 'min.insync.replicas', configValue: '2', configSource: STATIC_BROKER_CONFIG },
          { configName: 'message.timestamp.after.max.ms', configValue: '86400000', configSource: TOPIC_CONFIG },
          { configName: 'follower.replication.throttled.replicas', configValue: '*', configSource: TOPIC_CONFIG },
          { configName: 'max.message.bytes', configValue: null, configSource: TOPIC_CONFIG },
          { configName: 'segment.ms', configValue: 'secret?', configSource: TOPIC_CONFIG, isSensitive: true },
        ],
      },
    });
    const recorded = await recordTopicConfigs(['orders', 'not-yet-created', 'orders'], { admin, store, layout, logger, now });
    const expected = { version: 1, topic: 'orders', partitions: 6, configs: { 'cleanup.policy': 'compact', 'message.timestamp.after.max.ms': '86400000' }, recordedAt: '2026-01-02T00:00:00.000Z' };
    expect(recorded).toEqual([expected]);
    expect(await readTopicRecord(store, layout, 'orders')).toEqual(expected);
    // Metadata is never asked for a topic that does not exist (it would be auto-created).
    expect(calls).toEqual(['connect', 'metadata orders', 'disconnect']);
  });

  it('without configSource (older brokers) takes what is not a default', async () => {
    const store = new MemoryObjectStore();
    const { logger } = capturedLogger('info');
    const { admin } = fakeAdmin({
      t: { partitions: 1, entries: [{ configName: 'retention.ms', configValue: '1000' }, { configName: 'segment.ms', configValue: '5', isDefault: true }] },
    });
    const [record] = await recordTopicConfigs(['t'], { admin, store, layout, logger, now });
    expect(record!.configs).toEqual({ 'retention.ms': '1000' });
  });

  it('warns and records nothing for a topic whose configs it may not read; a failing cluster is a warning, not an error', async () => {
    const store = new MemoryObjectStore();
    const { lines, logger } = capturedLogger('info');
    const denied = fakeAdmin({ t: { partitions: 3, entries: [], errorCode: 29 } });
    expect(await recordTopicConfigs(['t'], { admin: denied.admin, store, layout, logger, now })).toEqual([]);
    const broken = fakeAdmin({}, new Error('connect ECONNREFUSED'));
    expect(await recordTopicConfigs(['t'], { admin: broken.admin, store, layout, logger, now })).toEqual([]);
    expect(broken.calls.at(-1)).toBe('disconnect');
    expect(lines.map((l) => [l.level, l.errorCode ?? null])).toEqual([['warn', 29], ['warn', null]]);
    expect(store.objects.size).toBe(0);
  });
});
