import { describe, expect, it } from 'vitest';
import type { PlannedPartition } from '../../../src/restore/restore-plan.js';
import { planTargetTopics } from '../../../src/restore/target-topics.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import type { TopicRecord } from '../../../src/storage/topic-record.js';

const planned = (topic: string, partition: number): PlannedPartition => ({ source: 's', event: topic, topic, partition, batches: [] });
const record = (topic: string, partitions: number, configs: Record<string, string> = {}): TopicRecord => ({ version: 1, topic, partitions, configs, recordedAt: '2026-01-01T00:00:00.000Z' });

describe('planTargetTopics', () => {
  it('takes the recorded partition count and configs, even where the manifests show fewer partitions', () => {
    const specs = planTargetTopics([planned('a', 0), planned('a', 2)], (p) => p.topic, new Map([['a', record('a', 6, { 'retention.ms': '5' })]]));
    expect(specs).toEqual([{ topic: 'a', partitions: 6, configs: { 'retention.ms': '5' }, basis: 'recorded', originals: ['a'] }]);
  });

  it('falls back to the highest planned partition + 1 for a backup without a topic record', () => {
    expect(planTargetTopics([planned('a', 0), planned('a', 3)], (p) => p.topic, new Map())).toEqual([
      { topic: 'a', partitions: 4, configs: {}, basis: 'manifests', originals: ['a'] },
    ]);
  });

  it('gives a target shared by several originals the most partitions of any, and the first recorded configs', () => {
    const specs = planTargetTopics([planned('b', 1), planned('a', 0)], () => 'all', new Map([['b', record('b', 8, { 'cleanup.policy': 'compact' })]]));
    expect(specs).toEqual([{ topic: 'all', partitions: 8, configs: { 'cleanup.policy': 'compact' }, basis: 'recorded', originals: ['a', 'b'] }]);
  });
});

describe('KeyLayout.topicRecordKey', () => {
  it('places the record under topics/ and refuses names Kafka would refuse', () => {
    expect(new KeyLayout('pre').topicRecordKey('samples.sourced')).toBe('pre/topics/samples.sourced.json');
    for (const bad of ['..', '.', 'a/b', '', 'x'.repeat(250)]) expect(() => new KeyLayout('').topicRecordKey(bad)).toThrow(/expected a Kafka topic name/);
  });
});
