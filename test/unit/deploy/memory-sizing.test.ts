import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { variables } from '../../../src/config/variables/index.js';
import { byKind, loadManifests } from './manifests.js';
import { consumerFetchSettings } from '../../../src/backup/backup-consumer.js';

// The README's Memory formula, computed for the example Deployment from its sizing annotation and
// the ConfigMap, against its memory limit.
const MiB = 1024 * 1024;
const ROOT = resolve(import.meta.dirname, '../../..');
/** kafkajs fetch limit per partition (src/backup/backup-consumer.ts: FETCH_BYTES_PER_PARTITION). */
const FETCH_PER_PARTITION = 2 * MiB;
/** lib-storage holds queueSize parts in flight plus the one being assembled (src/storage/s3-object-store.ts). */
const PART_SIZE = 8 * MiB;
const PART_QUEUE = 2;
const STREAM_BUFFER = (PART_QUEUE + 1) * PART_SIZE;
/** Node, the libraries and 12 idle pair consumers: 116 MB RSS measured on Node 20, 111-112 MB for 10 pairs on Node 24 with the image's flag; rounded up. */
const BASELINE = 150 * MiB;
/** Room above the worst case for V8 heap slack and per-record object overhead. */
const HEADROOM = 1.2;

function quantity(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi)?$/.exec(text);
  if (!match) throw new Error(`expected a memory quantity such as 1Gi or 768Mi, got ${text}`);
  return Number(match[1]) * { Ki: 1024, Mi: MiB, Gi: 1024 * MiB, '': 1 }[match[2] ?? '']!;
}

function worstCase(input: { partitions: number; batchMaxBytes: number; streamConcurrency: number }): number {
  const events = input.partitions * 3 * input.batchMaxBytes;
  // One fetch in the response, and what was left of the one that filled the second batch (pair-worker.ts).
  const fetched = input.partitions * 2 * Math.min(input.batchMaxBytes, FETCH_PER_PARTITION);
  return events + fetched + input.streamConcurrency * STREAM_BUFFER + BASELINE;
}

const manifests = loadManifests();
const config = byKind(manifests, 'ConfigMap', 'streamvault-config').data as Record<string, string>;
const deployment = byKind(manifests, 'Deployment');
const setting = (name: keyof typeof variables) => Number(config[`STREAMVAULT_${name}`] ?? variables[name].default);

describe('the example Deployment memory limit', () => {
  it('uses the figures the code has (fetch limit, multipart part size and queue)', () => {
    // The formula's 2 x min(BATCH_MAX_BYTES, 2 MiB) per partition fetched.
    expect(consumerFetchSettings(64 * 1024 * 1024).maxBytesPerPartition).toBe(2 * 1024 * 1024);
    expect(consumerFetchSettings(setting('BATCH_MAX_BYTES')).maxBytesPerPartition).toBe(Math.min(setting('BATCH_MAX_BYTES'), 2 * 1024 * 1024));
    expect(readFileSync(resolve(ROOT, 'src/backup/pair-worker.ts'), 'utf8')).toMatch(/const MAX_BATCHES_IN_FLIGHT = 2;/);
    const store = readFileSync(resolve(ROOT, 'src/storage/s3-object-store.ts'), 'utf8');
    expect(store).toMatch(/const PART_SIZE = 8 \* 1024 \* 1024;/);
    expect(store).toMatch(/const PART_QUEUE = 2;/);
  });

  it('is sized for the pairs the ConfigMap names', () => {
    const sizedFor = /^(\d+) pairs x (\d+) partitions$/.exec(deployment.metadata.annotations['streamvault/sized-for']);
    expect(sizedFor, 'annotation streamvault/sized-for: "<n> pairs x <m> partitions"').not.toBeNull();
    const list = (name: string) => (config[name] ?? '').split(',').filter((s) => s.trim() !== '');
    const pairs = list('STREAMVAULT_SOURCES').length * list('STREAMVAULT_EVENT_TYPES').length + list('STREAMVAULT_EXTRA_PAIRS').length;
    expect(Number(sizedFor![1])).toBe(pairs);
  });

  it('covers the worst case of the README formula with 20% headroom', () => {
    const [, pairs, perPair] = /^(\d+) pairs x (\d+) partitions$/.exec(deployment.metadata.annotations['streamvault/sized-for'])!;
    const need = worstCase({
      partitions: Number(pairs) * Number(perPair),
      batchMaxBytes: setting('BATCH_MAX_BYTES'),
      streamConcurrency: setting('STREAM_CONCURRENCY'),
    });
    const limit = quantity(deployment.spec.template.spec.containers[0].resources.limits.memory);
    expect(limit / MiB, `worst case ${Math.round(need / MiB)} MiB`).toBeGreaterThanOrEqual((need * HEADROOM) / MiB);
  });

  it('would not cover the defaults for the same partitions (the ConfigMap settings matter)', () => {
    const need = worstCase({ partitions: 48, batchMaxBytes: Number(variables.BATCH_MAX_BYTES.default), streamConcurrency: Number(variables.STREAM_CONCURRENCY.default) });
    expect(Math.round(need / MiB)).toBe(48 * 3 * 16 + 48 * 2 * 2 + 20 * 24 + 150);
    expect(quantity(deployment.spec.template.spec.containers[0].resources.limits.memory)).toBeLessThan(need);
  });
});
