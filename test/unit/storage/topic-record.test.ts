import { describe, expect, it } from 'vitest';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { readTopicRecord, RECORDED_TOPIC_CONFIGS, writeTopicRecord, type TopicRecord } from '../../../src/storage/topic-record.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const layout = new KeyLayout('vault/');
const record = (configs: Record<string, string>, partitions = 6, recordedAt = '2026-01-01T00:00:00.000Z'): TopicRecord => ({
  version: 1,
  topic: 'orders',
  partitions,
  configs,
  recordedAt,
});

describe('topic records', () => {
  it('are written as JSON under topics/ and read back', async () => {
    const store = new MemoryObjectStore();
    const r = record({ 'cleanup.policy': 'compact', 'retention.ms': '-1' });
    expect(await writeTopicRecord(store, layout, r)).toBe('written');
    expect(store.objects.get('vault/topics/orders.json')!.options).toEqual({ contentType: 'application/json' });
    expect(await readTopicRecord(store, layout, 'orders')).toEqual(r);
  });

  it('are not rewritten when only the time or the order of configs changed; are when a count or config did', async () => {
    const store = new MemoryObjectStore();
    await writeTopicRecord(store, layout, record({ a: '1', b: '2' }));
    expect(await writeTopicRecord(store, layout, record({ b: '2', a: '1' }, 6, '2026-06-01T00:00:00.000Z'))).toBe('unchanged');
    expect((await readTopicRecord(store, layout, 'orders'))!.recordedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(await writeTopicRecord(store, layout, record({ a: '1', b: '2' }, 8))).toBe('written');
    expect(await writeTopicRecord(store, layout, record({ a: '1', b: '3' }, 8))).toBe('written');
    expect(await readTopicRecord(store, layout, 'orders')).toEqual(record({ a: '1', b: '3' }, 8));
  });

  it('read as undefined for a backup made before they existed', async () => {
    expect(await readTopicRecord(new MemoryObjectStore(), layout, 'orders')).toBeUndefined();
  });

  it('refuse a damaged record, naming its key; writing over it repairs it', async () => {
    const store = new MemoryObjectStore();
    await store.put('vault/topics/orders.json', Buffer.from(JSON.stringify({ ...record({}), partitions: 0 })));
    await expect(readTopicRecord(store, layout, 'orders')).rejects.toThrow(/^topic record vault\/topics\/orders\.json: expected \["version","topic","partitions","configs","recordedAt"\] of version 1, got /);
    expect(await writeTopicRecord(store, layout, record({}))).toBe('written');
    expect(await readTopicRecord(store, layout, 'orders')).toEqual(record({}));
  });

  it('record the configs a restore needs to take the same records, timestamps bounds among them', () => {
    expect(RECORDED_TOPIC_CONFIGS).toEqual(expect.arrayContaining(['cleanup.policy', 'retention.ms', 'message.timestamp.before.max.ms', 'message.timestamp.after.max.ms']));
    expect(new Set(RECORDED_TOPIC_CONFIGS).size).toBe(RECORDED_TOPIC_CONFIGS.length);
  });
});
