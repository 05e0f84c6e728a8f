import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RetentionGapWatch } from '../../../src/backup/retention-gap-watch.js';
import { createLogger } from '../../../src/observability/logger.js';
import type { OffsetsAdmin } from '../../../src/observability/consumer-lag.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { serializeManifest, type ManifestEntry } from '../../../src/storage/manifest.js';
import { parseRetentionGap, readRetentionGaps } from '../../../src/storage/retention-gap.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const pair = { source: 'samples', event: 'sourced', topic: 't' };
const layout = new KeyLayout('pre');

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger('info', out) };
}

/** The broker as the admin client sees it: per partition the log start and the group's commit (-1: none). */
function fakeAdmin(state: { low: Record<number, number>; committed: Record<number, number> }): OffsetsAdmin {
  return {
    fetchTopicOffsets: async () => Object.entries(state.low).map(([p, low]) => ({ partition: Number(p), offset: '1000', high: '1000', low: String(low) })),
    fetchOffsets: async () => [{ topic: 't', partitions: Object.entries(state.committed).map(([p, o]) => ({ partition: Number(p), offset: String(o), metadata: null })) }],
  };
}

function setup(state: { low: Record<number, number>; committed: Record<number, number> }) {
  const store = new MemoryObjectStore();
  const { lines, logger } = capture();
  let now = Date.parse('2026-12-02T03:00:00Z');
  const watch = new RetentionGapWatch({ pair, admin: fakeAdmin(state), store, layout, logger, host: 'host-a', now: () => new Date((now += 1000)) });
  const errors = () => lines.filter((l) => l.level === 'error');
  // Where the backup continues, as the consumer settled it (start-offsets.ts): the commits, -1 none.
  const committed = () => new Map(Object.entries(state.committed).filter(([, o]) => o >= 0).map(([p, o]) => [Number(p), BigInt(o)]));
  return { store, watch, errors, committed };
}

function manifest(partition: number, first: number, last: number): ManifestEntry {
  return {
    version: 1, key: `pre/events/samples/sourced/p${String(partition).padStart(6, '0')}/${String(first).padStart(20, '0')}-2026-01-01.avro`,
    source: 'samples', event: 'sourced', topic: 't', partition, firstOffset: String(first), lastOffset: String(last), count: last - first + 1,
    malformed: 0, malformedOffsets: [], minTimestamp: 0n, maxTimestamp: 0n, bytes: 1, sha256: '0'.repeat(64), codec: 'null', writtenAt: '', streams: [],
  };
}

describe('RetentionGapWatch', () => {
  it('records a gap from the committed offset to the log start in the backup, returns the log start to read on from, and logs it once', async () => {
    const state = { low: { 0: 32, 1: 0 }, committed: { 0: 10, 1: 5 } };
    const { store, watch, errors, committed } = setup(state);
    expect(await watch.atAssignment([0, 1], committed())).toEqual([
      { partition: 0, continueAt: 32n, seekTo: 32n },
      { partition: 1, continueAt: 5n, seekTo: undefined },
    ]);
    const key = layout.retentionGapKey(pair, 0, '10');
    expect(key).toBe('pre/gaps/samples/sourced/p000000/00000000000000000010.json');
    expect([...store.objects.keys()]).toEqual([key]);
    const parsed = parseRetentionGap(key, store.objects.get(key)!.body);
    expect(parsed).toEqual({
      ok: true,
      gap: {
        format: 'streamvault.retention-gap', version: 1, source: 'samples', event: 'sourced', topic: 't', partition: 0,
        from: '10', to: '31', continuedFrom: 'committed-offset', logStartOffset: '32', noticedAt: '2026-12-02T03:00:01.000Z', host: 'host-a',
      },
    });
    expect(errors()).toHaveLength(1);
    expect(errors()[0]).toMatchObject({ partition: 0, from: '10', to: '31', offsets: '22', key });

    // Noticed again (a rebalance before anything past it was committed): not rewritten, not logged again, counted once.
    await watch.atAssignment([0, 1], committed());
    expect(parseRetentionGap(key, store.objects.get(key)!.body)).toMatchObject({ ok: true, gap: { noticedAt: '2026-12-02T03:00:01.000Z' } });
    expect(errors()).toHaveLength(1);
    expect(watch.stats()).toEqual([{ partition: 0, gaps: 1, offsets: 22n }]);

    // Retention went on: the same gap grew; it is rewritten, logged with its new end, and the new offsets counted.
    state.low[0] = 40;
    await watch.atAssignment([0], committed());
    expect(parseRetentionGap(key, store.objects.get(key)!.body)).toMatchObject({ ok: true, gap: { from: '10', to: '39', logStartOffset: '40' } });
    expect(errors()).toHaveLength(2);
    expect(watch.stats()).toEqual([{ partition: 0, gaps: 1, offsets: 30n }]);
  });

  it('records nothing while every partition still holds where the backup continues (a compacted log keeps its log start)', async () => {
    const { store, watch, errors, committed } = setup({ low: { 0: 0, 1: 0 }, committed: { 0: 977, 1: -1 } });
    expect(await watch.atAssignment([0, 1], committed())).toEqual([
      { partition: 0, continueAt: 977n, seekTo: undefined },
      { partition: 1, continueAt: undefined, seekTo: undefined },
    ]);
    expect(store.objects.size).toBe(0);
    expect(errors()).toEqual([]);
    expect(watch.stats()).toEqual([]);
  });

  it('without a commit (expired group offsets), continues after the newest batches the backup holds', async () => {
    const { store, watch, committed } = setup({ low: { 0: 150 }, committed: { 0: -1 } });
    // Overlapping batches after a replay: the end is the highest last offset of the newest ones.
    for (const [first, last] of [[0, 49], [50, 99], [60, 119], [80, 109]] as const) {
      await store.put(layout.manifestKey(pair, 0, String(first)), serializeManifest(manifest(0, first, last)));
    }
    expect(await watch.atAssignment([0], committed())).toEqual([{ partition: 0, continueAt: 150n, seekTo: 150n }]);
    const { gaps } = await readRetentionGaps(store, layout);
    expect(gaps).toMatchObject([{ partition: 0, from: '120', to: '149', continuedFrom: 'backup-end' }]);
  });

  it('after a fetch jumped: a gap only when the log start passed the expected offset; seeks back when kafkajs reset to the end', async () => {
    const state = { low: { 0: 100 }, committed: {} };
    const { store, watch } = setup(state);
    // A jump that was not retention (the log still starts below): nothing.
    expect(await watch.afterJump(0, 120n, 130n)).toEqual({ seekTo: undefined });
    expect(store.objects.size).toBe(0);
    // Reset to the earliest offset: the gap, and the fetch is where reading goes on anyway.
    expect(await watch.afterJump(0, 60n, 100n)).toEqual({ seekTo: undefined });
    // Reset to the end (fromBeginning off): the gap, and back to the log start so nothing retained is skipped.
    expect(await watch.afterJump(0, 70n, 900n)).toEqual({ seekTo: 100n });
    const { gaps } = await readRetentionGaps(store, layout);
    expect(gaps.map((g) => [g.from, g.to, g.continuedFrom])).toEqual([
      ['60', '99', 'committed-offset'],
      ['70', '99', 'committed-offset'],
    ]);
  });
});
