import { beforeEach, describe, expect, it, vi } from 'vitest';
import { runRestoreApp } from '../../../src/app/restore-run.js';
import { ExitCode } from '../../../src/exit-codes.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { writeFixtureBackup } from '../../helpers/backup-fixture.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';
import { runCliCaptured } from '../../helpers/run-cli-captured.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// The real run by default (a streams-only dry run needs no broker); tests of the request the
// command builds replace it for one call.
vi.mock('../../../src/app/restore-run.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../src/app/restore-run.js')>();
  return { ...actual, runRestoreApp: vi.fn(actual.runRestoreApp) };
});
const app = vi.mocked(runRestoreApp);

const envOf = () => ({
  STREAMVAULT_S3_BUCKET: 'vault',
  STREAMVAULT_S3_PREFIX: 'team/',
  STREAMVAULT_LOG_LEVEL: 'silent',
  STREAMVAULT_STATE_DIR: makeTempDir('restore-state-'),
  STREAMVAULT_RESTORE_STREAM_TARGET: 'none',
});

async function backupStore(): Promise<MemoryObjectStore> {
  const store = new MemoryObjectStore();
  await writeFixtureBackup(store, new KeyLayout('team/'), { batches: 1, perBatch: 3 });
  return store;
}

/** Runs `restore args` with the run replaced; returns the request the command handed it. */
async function requestOf(args: string[]) {
  app.mockResolvedValueOnce(ExitCode.ok);
  const result = await runCliCaptured(['restore', ...args], envOf(), { store: await backupStore() });
  expect(result).toMatchObject({ code: ExitCode.ok, err: '' });
  return app.mock.calls.at(-1)![2];
}

beforeEach(() => {
  app.mockClear();
});

describe('streamvault restore', () => {
  it('hands the run its defaults: everything (streams, events, offsets), every pair, every batch checked', async () => {
    expect(await requestOf([])).toEqual({
      scope: { sources: [], events: [], what: 'both', sinceMs: undefined, untilMs: undefined, offsetRanges: [] },
      dryRun: false,
      json: false,
      checkMode: 'every-batch',
      forceFull: false,
      skipExistingStreams: false,
    });
  });

  it('passes the parsed flags through: sources and events, times in ms, offset ranges, check mode and switches', async () => {
    const request = await requestOf([
      '--source', 'samples,system', '--event', 'sourced', '--event', 'insert', '--what', 'events',
      '--since', '2026-01-02T03:04:05Z', '--until', '1767323047000',
      '--partition', 'samples.sourced:1', '--from-offset', '2', '--to-offset', '9',
      '--dry-run', '--json', '--quick', '--skip-existing-streams',
    ]);
    expect(request).toEqual({
      scope: {
        sources: ['samples', 'system'],
        events: ['sourced', 'insert'],
        what: 'events',
        sinceMs: Date.UTC(2026, 0, 2, 3, 4, 5),
        untilMs: 1767323047000,
        offsetRanges: [{ topic: 'samples.sourced', partition: 1, from: 2n, to: 9n }],
      },
      dryRun: true,
      json: true,
      checkMode: 'last-batch',
      forceFull: false,
      skipExistingStreams: true,
    });
    expect((await requestOf(['--full'])).forceFull).toBe(true);
  });

  it('refuses bad times, conflicting switches and unmatched offset ranges, listing every problem, with exit 2 and no run', async () => {
    const result = await runCliCaptured(['restore', '--since', 'yesterday', '--quick', '--full', '--partition', 'samples.sourced:0'], envOf(), { store: await backupStore() });
    expect(result.code).toBe(ExitCode.badConfiguration);
    expect(result.err).toMatch(/^streamvault restore: invalid arguments:\n/);
    expect(result.err).toContain('  - --since: expected a UTC time such as 2026-01-02T03:04:05Z, a date such as 2026-01-02, or epoch milliseconds, got "yesterday"\n');
    expect(result.err).toContain('  - --quick and --full: expected at most one of them, got both\n');
    expect(result.err.match(/^ {2}- /gm)).toHaveLength(3);
    expect(result.out).toBe('');
    expect(app).not.toHaveBeenCalled();
  });

  it('refuses --since after --until', async () => {
    const result = await runCliCaptured(['restore', '--since', '2026-01-03', '--until', '2026-01-02'], envOf(), { store: await backupStore() });
    expect(result.code).toBe(ExitCode.badConfiguration);
    expect(result.err).toContain('--since/--until: expected since <= until, got 2026-01-03 > 2026-01-02');
    expect(app).not.toHaveBeenCalled();
  });

  it('refuses a --what it does not know, with exit 2', async () => {
    const result = await runCliCaptured(['restore', '--what', 'everything'], envOf(), { store: await backupStore() });
    expect(result.code).toBe(ExitCode.badConfiguration);
    expect(result.err).toContain("argument 'everything' is invalid. Allowed choices are events, streams, offsets, both.");
    expect(app).not.toHaveBeenCalled();
  });

  it('checks the arguments before the configuration, and refuses a location without a backup with exit 3', async () => {
    const bad = await runCliCaptured(['restore', '--until', 'soon'], {});
    expect(bad.code).toBe(ExitCode.badConfiguration);
    expect(bad.err).not.toContain('STREAMVAULT_S3_BUCKET');
    const empty = await runCliCaptured(['restore'], envOf(), { store: new MemoryObjectStore() });
    expect(empty.code).toBe(ExitCode.missingBackupLocation);
    expect(empty.err).toContain('streamvault: no backup in bucket memory under prefix "team/"');
    expect(app).not.toHaveBeenCalled();
  });

  it('a streams-only dry run plans from the backup in the store and writes nothing', async () => {
    const store = await backupStore();
    const keys = [...store.objects.keys()];
    const text = await runCliCaptured(['restore', '--dry-run', '--what', 'streams', '--source', 'system'], envOf(), { store });
    expect(text.code).toBe(ExitCode.ok);
    expect(text.out).toContain('dry run: nothing is written\n');
    expect(text.out).toMatch(/\nsystem\/insert +2 +6 +\d+ +system\.insert\n/);
    expect(text.out).not.toContain('samples/sourced');
    expect(text.out).toContain('streams: 2 (2 posts, 1000 bytes)');
    const json = await runCliCaptured(['restore', '--dry-run', '--what', 'streams', '--json'], envOf(), { store });
    expect(json.code).toBe(ExitCode.ok);
    expect(JSON.parse(json.out)).toMatchObject({ message_type: 'plan', dry_run: true, what: 'streams', streams: 4, pairs: [{ source: 'samples' }, { source: 'system' }] });
    expect([...store.objects.keys()]).toEqual(keys);
  });
});
