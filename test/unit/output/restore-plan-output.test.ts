import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeRestorePlan, type RestorePlanView } from '../../../src/output/restore-plan-output.js';

const view: RestorePlanView = {
  what: 'both',
  pairs: [{ source: 'samples', event: 'sourced', topic: 'samples.sourced', batches: 2, events: 10, eventsExact: false, bytes: 1234, target_topic: 'restored.samples.sourced' }],
  totals: { batches: 2, events: 10, eventBytes: 1234, streams: 3, streamPosts: 4, streamBytes: 900, missingStreams: 1, unavailableAtSource: 0, files: 6, bytes: 2134 },
  manifestProblems: [{ key: 'manifests/x.json', reason: 'manifests/x.json: expected JSON, got 3 bytes' }],
  retentionGaps: [],
  targetTopics: [{ topic: 'restored.samples.sourced', partitions: 2, configs: { 'cleanup.policy': 'compact' }, basis: 'recorded', existing: undefined, action: 'missing, would be created' }],
  consumerOffsets: { kind: 'unavailable', reason: 'target not reachable' },
};

function written(json: boolean): string {
  const out = new PassThrough();
  writeRestorePlan(out, json, view);
  return (out.read() as Buffer).toString();
}

describe('writeRestorePlan (the dry run, rendered from data)', () => {
  it('JSON: one plan line with every total, the pairs as given and the target topics', () => {
    const text = written(true);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(text)).toEqual({
      message_type: 'plan',
      dry_run: true,
      what: 'both',
      pairs: view.pairs,
      batches: 2,
      events: 10,
      event_bytes: 1234,
      streams: 3,
      stream_posts: 4,
      stream_bytes: 900,
      missing_streams: 1,
      streams_unavailable_at_source: 0,
      total_files: 6,
      total_bytes: 2134,
      manifest_problems: view.manifestProblems,
      retention_gaps: [],
      target_topics: [{ topic: 'restored.samples.sourced', partitions: 2, configs: { 'cleanup.policy': 'compact' }, basis: 'recorded', existing_partitions: null, action: 'missing, would be created' }],
      consumer_offsets: { unavailable: 'target not reachable' },
    });
  });

  it('text: the table, an upper bound shown as <=, topics, problems and the offsets that could not be translated', () => {
    expect(written(false).split('\n')).toEqual([
      'dry run: nothing is written',
      `${'pair'.padEnd(32)} ${'batches'.padStart(8)} ${'events'.padStart(10)} ${'bytes'.padStart(14)}  target topic`,
      `${'samples/sourced'.padEnd(32)} ${'2'.padStart(8)} ${'<=10'.padStart(10)} ${'1234'.padStart(14)}  restored.samples.sourced`,
      'streams: 3 (4 posts, 900 bytes, 1 missing from the backup)',
      'target topic restored.samples.sourced: missing, would be created; needs 2 partition(s) (recorded by the backup), configs cleanup.policy=compact',
      'unreadable manifest: manifests/x.json: expected JSON, got 3 bytes',
      'consumer offsets: not translated (target not reachable)',
      '',
    ]);
  });
});
