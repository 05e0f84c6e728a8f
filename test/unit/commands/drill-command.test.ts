import { beforeEach, describe, expect, it, vi } from 'vitest';
import { runDrillApp, type DrillRequest } from '../../../src/app/restore-run.js';
import { ExitCode } from '../../../src/exit-codes.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { writeFixtureBackup } from '../../helpers/backup-fixture.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';
import { runCliCaptured } from '../../helpers/run-cli-captured.js';

// The drill itself restores into a cluster (src/app, src/drill); here the run only records the
// request the command parsed, so no broker is needed.
vi.mock('../../../src/app/restore-run.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../src/app/restore-run.js')>()),
  runDrillApp: vi.fn(),
}));
const app = vi.mocked(runDrillApp);

const env = { STREAMVAULT_S3_BUCKET: 'vault', STREAMVAULT_S3_PREFIX: 'team/', STREAMVAULT_LOG_LEVEL: 'silent' };

async function backupStore(): Promise<MemoryObjectStore> {
  const store = new MemoryObjectStore();
  await writeFixtureBackup(store, new KeyLayout('team/'), { batches: 1, perBatch: 2 });
  return store;
}

beforeEach(() => {
  app.mockReset();
  app.mockResolvedValue(ExitCode.ok);
});

describe('streamvault drill', () => {
  it('hands the run its defaults: every pair, the whole backup, scratch topics drill-<UTC time>-, 100 differences, report on stdout', async () => {
    const before = Date.now();
    const result = await runCliCaptured(['drill'], env, { store: await backupStore() });
    expect(result.code).toBe(ExitCode.ok);
    const request = app.mock.calls[0]![2];
    expect(request).toEqual({
      drillId: expect.stringMatching(/^drill-\d{8}T\d{6}Z$/),
      sources: [],
      events: [],
      sampleBatches: undefined,
      topicPrefix: `${request.drillId}-`,
      keep: false,
      maxDifferences: 100,
      reportPath: undefined,
    } satisfies DrillRequest);
    // The id is the start time, to the second, in UTC.
    const [, d, t] = /^drill-(\d{8})T(\d{6})Z$/.exec(request.drillId)!;
    const stamped = Date.UTC(+d!.slice(0, 4), +d!.slice(4, 6) - 1, +d!.slice(6, 8), +t!.slice(0, 2), +t!.slice(2, 4), +t!.slice(4, 6));
    expect(stamped).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(stamped).toBeLessThanOrEqual(Date.now());
  });

  it('passes the parsed flags through: repeated and comma-separated sources and events, sample, prefix, keep, report', async () => {
    await runCliCaptured(
      ['drill', '--source', 'samples, system', '--source', 'other', '--event', 'sourced', '--sample', '3', '--topic-prefix', 'dr.1_', '--max-differences', '7', '--keep', '--report', '/tmp/drill.json'],
      env,
      { store: await backupStore() },
    );
    expect(app.mock.calls[0]![2]).toMatchObject({
      sources: ['samples', 'system', 'other'],
      events: ['sourced'],
      sampleBatches: 3,
      topicPrefix: 'dr.1_',
      keep: true,
      maxDifferences: 7,
      reportPath: '/tmp/drill.json',
    });
  });

  it('exits with the code of the run (4: the restore differs from the backup)', async () => {
    app.mockResolvedValue(ExitCode.partial);
    expect((await runCliCaptured(['drill'], env, { store: await backupStore() })).code).toBe(ExitCode.partial);
  });

  it('refuses invalid numbers and a topic prefix Kafka would not take, listing every problem, with exit 2 and no run', async () => {
    const result = await runCliCaptured(['drill', '--sample', '0', '--max-differences', 'many', '--topic-prefix', 'bad prefix/'], env, { store: await backupStore() });
    expect(result.code).toBe(ExitCode.badConfiguration);
    expect(result.err).toBe(
      'streamvault drill: invalid arguments:\n' +
        '  - --sample: expected a whole number from 1 up, got "0"\n' +
        '  - --max-differences: expected a whole number from 1 up, got "many"\n' +
        '  - --topic-prefix: expected 1 to 200 of the characters a Kafka topic name may hold (A-Z a-z 0-9 . _ -), got "bad prefix/"\n',
    );
    expect(app).not.toHaveBeenCalled();
  });

  it('refuses an empty topic prefix, which would drill into the original topics', async () => {
    const result = await runCliCaptured(['drill', '--topic-prefix', ''], env, { store: await backupStore() });
    expect(result.code).toBe(ExitCode.badConfiguration);
    expect(result.err).toContain('--topic-prefix: expected 1 to 200');
    expect(app).not.toHaveBeenCalled();
  });

  it('checks the arguments before the configuration, and refuses a location without a backup with exit 3', async () => {
    const bad = await runCliCaptured(['drill', '--sample', 'x'], {});
    expect(bad.code).toBe(ExitCode.badConfiguration);
    expect(bad.err).not.toContain('STREAMVAULT_S3_BUCKET');
    const empty = await runCliCaptured(['drill'], env, { store: new MemoryObjectStore() });
    expect(empty.code).toBe(ExitCode.missingBackupLocation);
    expect(empty.err).toContain('streamvault: no backup in bucket memory under prefix "team/"');
    expect(app).not.toHaveBeenCalled();
  });
});
