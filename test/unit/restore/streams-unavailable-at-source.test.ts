import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { buildRestorePlan, planTotals } from '../../../src/restore/restore-plan.js';
import { RestoreJournal } from '../../../src/restore/restore-journal.js';
import { restoreStreams } from '../../../src/restore/stream-restorer.js';
import type { StreamTarget } from '../../../src/restore/stream-targets.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { MissingStreamMarkers } from '../../../src/streams/missing-stream-markers.js';
import { writeFixtureBackup } from '../../helpers/backup-fixture.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { Spool } from '../../../src/restore/spool.js';

const layout = new KeyLayout('');

describe('restore of streams unavailable at the source', () => {
  it('plans them apart from missing backup objects and skips them without an error; a deleted stream still fails', async () => {
    const store = new MemoryObjectStore();
    const { blobs } = await writeFixtureBackup(store, layout);
    const [neverAtSource, deleted] = [...blobs.keys()];
    store.objects.delete(layout.streamKey(neverAtSource!));
    store.objects.delete(layout.streamKey(deleted!));
    const at = '2026-06-01T00:00:00.000Z';
    await new MissingStreamMarkers(store, layout).write(
      { source: 'samples', label: 'content', sha256: neverAtSource! },
      { firstSeen: at, lastTried: at, attempts: 2, reason: '404' },
    );
    const plan = await buildRestorePlan(store, layout, { sources: [], events: [], what: 'streams', sinceMs: undefined, untilMs: undefined }, { concurrency: 2 });
    const totals = planTotals(plan);
    expect([totals.missingStreams, totals.unavailableAtSource]).toEqual([1, 1]);

    const posted: string[] = [];
    const target: StreamTarget = { description: 'memory', has: async () => false, put: async (ref) => void posted.push(ref.sha256) };
    const errors: string[] = [];
    const stateDir = makeTempDir('restore-');
    const journal = await RestoreJournal.open(stateDir, { backup: 's3://memory/', topicTemplate: '{topic}', streamTarget: 'memory', brokers: ['x:1'] });
    const result = await restoreStreams(plan.streams, {
      store,
      target,
      journal,
      logger: createLogger('silent'),
      spool: await Spool.open(makeTempDir('spool-'), createLogger('silent')),
      concurrency: 2,
      retries: 0,
      skipExisting: false,
      onProgress: () => {},
      onError: (item) => errors.push(item),
    });
    const refsOf = (sha: string) => plan.streams.find((s) => s.sha256 === sha)!.references.length;
    expect(result.unavailableAtSource).toBe(refsOf(neverAtSource!));
    expect(errors).toEqual(Array(refsOf(deleted!)).fill(layout.streamKey(deleted!)));
    expect(posted).not.toContain(neverAtSource);
    expect(new Set(posted)).toEqual(new Set([...blobs.keys()].filter((s) => s !== neverAtSource && s !== deleted)));
    await journal.close();
  });
});
