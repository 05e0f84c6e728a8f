import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { restoreOptions } from '../../helpers/restore-options.js';
import { ExitCode } from '../../../src/exit-codes.js';
import { withResources } from '../../../src/lifecycle/resource-stack.js';
import { createLogger } from '../../../src/observability/logger.js';
import { ProgressReporter } from '../../../src/output/progress-reporter.js';
import { runRestore, type RestoreDeps, type RestoreOptions, type RestoreProgress } from '../../../src/restore/restore-runner.js';
import type { StreamTarget } from '../../../src/restore/stream-targets.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { writeFixtureBackup } from '../../helpers/backup-fixture.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const layout = new KeyLayout('');

const options = (): RestoreOptions =>
  restoreOptions(makeTempDir('restore-outcome-'), {
    scope: { sources: [], events: [], what: 'streams', sinceMs: undefined, untilMs: undefined },
    identity: { backup: 's3://memory/', topicTemplate: '{topic}', streamTarget: 'memory', brokers: ['unused:9092'] },
  });

/** A renderer that shows what it is told and counts nothing: the runner must not need its counters. */
function recordingProgress(): RestoreProgress & { errors: string[]; ends: string[] } {
  const errors: string[] = [];
  const ends: string[] = [];
  return {
    errors,
    ends,
    start: () => {},
    setPhase: () => {},
    advance: () => {},
    error: (item) => void errors.push(item),
    finish: (_extra, end = 'done') => {
      ends.push(end);
      return { message_type: 'summary', total_files: 0, files_done: 0, total_bytes: 0, bytes_done: 0, error_count: 0, seconds_elapsed: 0 };
    },
  };
}

async function backupWithOneStreamGone(): Promise<{ store: MemoryObjectStore; gone: string; all: string[] }> {
  const store = new MemoryObjectStore();
  const { blobs } = await writeFixtureBackup(store, layout);
  const all = [...blobs.keys()];
  store.objects.delete(layout.streamKey(all[0]!));
  return { store, gone: all[0]!, all };
}

function deps(store: MemoryObjectStore, target: StreamTarget, progress: RestoreProgress): Omit<RestoreDeps, 'resources'> {
  return {
    store,
    layout,
    logger: createLogger('silent'),
    targetKafka: () => {
      throw new Error('expected no Kafka client in a streams-only restore');
    },
    reachTarget: async () => {
      throw new Error('expected no broker probe in a streams-only restore');
    },
    streamTarget: target,
    progress,
    stdout: new PassThrough(),
    json: false,
    env: {},
    hookOutput: new PassThrough(),
  };
}

/** One restore, with what it opened closed afterwards (the caller's part, src/app in a real run). */
function runClosed(o: RestoreOptions, d: Omit<RestoreDeps, 'resources'>) {
  return withResources(d.logger, (resources) => runRestore(o, { ...d, resources }));
}

describe('restore outcome (issue 11: "partial" came from the progress bar\'s error counter)', () => {
  it('is partial when a stream failed, with a renderer that counts nothing, and exactly the other streams were posted', async () => {
    const { store, gone, all } = await backupWithOneStreamGone();
    const posted: string[] = [];
    const target: StreamTarget = { description: 'memory', has: async () => false, put: async (ref) => void posted.push(ref.sha256) };
    const progress = recordingProgress();
    const outcome = await runClosed(options(), deps(store, target, progress));
    expect(outcome.kind).toBe('finished');
    if (outcome.kind !== 'finished') return;
    expect(outcome.streams?.failed).toBeGreaterThan(0);
    expect(outcome.exitCode).toBe(ExitCode.partial);
    expect(progress.errors.every((item) => item === layout.streamKey(gone))).toBe(true);
    expect(progress.ends).toEqual(['partial']);
    expect(new Set(posted)).toEqual(new Set(all.filter((s) => s !== gone)));
  });

  it('is partial with the JSON renderer too, and the summary line says so', async () => {
    const { store } = await backupWithOneStreamGone();
    const target: StreamTarget = { description: 'memory', has: async () => false, put: async () => {} };
    const out = new PassThrough();
    const lines: string[] = [];
    out.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
    const progress = new ProgressReporter({ mode: 'json', out, intervalMs: 60_000 });
    const outcome = await runClosed(options(), deps(store, target, progress));
    expect(outcome.exitCode).toBe(ExitCode.partial);
    const summary = lines.map((l) => JSON.parse(l) as { message_type: string; exit_code?: number }).find((m) => m.message_type === 'summary');
    expect(summary?.exit_code).toBe(ExitCode.partial);
  });

  it('is ok when every stream was posted', async () => {
    const store = new MemoryObjectStore();
    const { blobs } = await writeFixtureBackup(store, layout);
    const posted: string[] = [];
    const target: StreamTarget = { description: 'memory', has: async () => false, put: async (ref) => void posted.push(ref.sha256) };
    const outcome = await runClosed(options(), deps(store, target, recordingProgress()));
    expect(outcome.exitCode).toBe(ExitCode.ok);
    expect(new Set(posted)).toEqual(new Set(blobs.keys()));
  });
});
