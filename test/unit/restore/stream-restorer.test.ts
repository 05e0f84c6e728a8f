import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { buildRestorePlan, planTotals } from '../../../src/restore/restore-plan.js';
import { RestoreJournal } from '../../../src/restore/restore-journal.js';
import { restoreStreams } from '../../../src/restore/stream-restorer.js';
import { StreamTargetError, type StreamTarget } from '../../../src/restore/stream-targets.js';
import type { PlannedStream } from '../../../src/restore/restore-plan.js';
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

describe('restoreStreams', () => {
  const blob = Buffer.from('the stream content '.repeat(50));
  const sha256 = createHash('sha256').update(blob).digest('hex');
  const refs = [
    { source: 'samples', label: 'content' },
    { source: 'system', label: 'thumb' },
  ];
  const planned = (store: MemoryObjectStore, body = blob): PlannedStream => {
    store.objects.set(layout.streamKey(sha256), { body, options: {} });
    return { sha256, key: layout.streamKey(sha256), size: body.length, references: refs };
  };

  async function setup(target: StreamTarget, options: { skipExisting?: boolean; retries?: number } = {}) {
    const store = new MemoryObjectStore();
    const spoolDir = makeTempDir('spool-');
    const journal = await RestoreJournal.open(makeTempDir('restore-'), { backup: 's3://memory/', topicTemplate: '{topic}', streamTarget: 'memory', brokers: [] });
    const errors: Array<[string, string]> = [];
    const progress: Array<[number, number]> = [];
    const deps = {
      store,
      target,
      journal,
      logger: createLogger('silent'),
      spool: await Spool.open(spoolDir, createLogger('silent')),
      concurrency: 2,
      retries: options.retries ?? 0,
      skipExisting: options.skipExisting ?? false,
      onProgress: (files: number, bytes: number) => void progress.push([files, bytes]),
      onError: (item: string, error: string) => void errors.push([item, error]),
    };
    return { store, journal, errors, progress, deps, spoolDir };
  }

  /** A target that keeps what it was given, read from the verified file while the post runs. */
  function recordingTarget(fail?: (call: number) => Error | undefined) {
    const received: Array<{ source: string; label: string; body: Buffer; size: number }> = [];
    let calls = 0;
    const target: StreamTarget = {
      description: 'memory',
      has: async (ref) => received.some((r) => r.source === ref.source && r.label === ref.label),
      put: async (ref, file, size) => {
        const error = fail?.(calls++);
        if (error) throw error;
        received.push({ source: ref.source, label: ref.label, body: readFileSync(file), size });
      },
    };
    return { target, received, calls: () => calls };
  }

  it('posts the verified bytes once per reference, journals each post, and leaves nothing in the spool', async () => {
    const { target, received } = recordingTarget();
    const { store, journal, deps, progress, spoolDir } = await setup(target);
    const result = await restoreStreams([planned(store)], deps);
    expect(result).toEqual({ posted: 2, alreadyRestored: 0, skippedExisting: 0, unavailableAtSource: 0, failed: 0 });
    expect(received).toEqual(refs.map((r) => ({ ...r, body: blob, size: blob.length })));
    expect(refs.map((r) => journal.hasStream({ sha256, ...r }))).toEqual([true, true]);
    expect(progress).toEqual([[1, blob.length], [1, blob.length]]);
    expect(readdirSync(spoolDir).filter((f) => f.includes(sha256))).toEqual([]);
    await journal.close();
  });

  it('does not post a blob whose bytes do not match its sha256, and names the backup key', async () => {
    const { target, received } = recordingTarget();
    const { store, journal, deps, errors } = await setup(target);
    const damaged = Buffer.from(blob);
    damaged[10] = damaged[10]! ^ 1;
    const result = await restoreStreams([planned(store, damaged)], deps);
    expect(result.failed).toBe(2);
    expect(received).toEqual([]);
    expect(errors[0]![0]).toBe(layout.streamKey(sha256));
    expect(errors[0]![1]).toMatch(new RegExp(`^backup object .*: expected sha256 ${sha256}, got [0-9a-f]{64} \\(${blob.length} bytes\\); not posted$`));
    expect(refs.map((r) => journal.hasStream({ sha256, ...r }))).toEqual([false, false]);
    await journal.close();
  });

  it('does not post again what the journal says an earlier run posted', async () => {
    const { target, received } = recordingTarget();
    const { store, journal, deps } = await setup(target);
    await journal.appendStream({ sha256, ...refs[0]! });
    const result = await restoreStreams([planned(store)], deps);
    expect(result).toMatchObject({ posted: 1, alreadyRestored: 1 });
    expect(received.map((r) => r.source)).toEqual(['system']);
    await journal.close();
  });

  it('with skipExisting, asks the target first and journals what it already has without posting it', async () => {
    const { target, received } = recordingTarget();
    const { store, journal, deps } = await setup(target, { skipExisting: true });
    received.push({ ...refs[1]!, body: Buffer.alloc(0), size: 0 });
    const result = await restoreStreams([planned(store)], deps);
    expect(result).toMatchObject({ posted: 1, skippedExisting: 1 });
    expect(received.map((r) => [r.source, r.body.length])).toEqual([['system', 0], ['samples', blob.length]]);
    expect(journal.hasStream({ sha256, ...refs[1]! })).toBe(true);
    await journal.close();
  });

  it('retries a retriable target error, gives up at once on one that is not', async () => {
    const retried = recordingTarget((call) => (call === 0 ? new StreamTargetError('503', true) : undefined));
    const a = await setup(retried.target, { retries: 1 });
    expect((await restoreStreams([planned(a.store)], a.deps)).posted).toBe(2);
    expect(retried.calls()).toBe(3);
    await a.journal.close();

    const refused = recordingTarget(() => new StreamTargetError('POST x: expected a 2xx answer, got 400', false));
    const b = await setup(refused.target, { retries: 3 });
    const result = await restoreStreams([planned(b.store)], b.deps);
    expect(result.failed).toBe(2);
    expect(refused.calls()).toBe(2);
    expect(b.errors).toEqual(refs.map((r) => [`${r.source}/${r.label}/${sha256}`, 'POST x: expected a 2xx answer, got 400']));
    expect(b.progress).toEqual([]);
    await b.journal.close();
  });
});
