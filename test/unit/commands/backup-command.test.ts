import { beforeEach, describe, expect, it, vi } from 'vitest';
import { runBackupApp } from '../../../src/app/backup-run.js';
import type { RunContext } from '../../../src/app/restore-run.js';
import { ExitCode } from '../../../src/exit-codes.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';
import { runCliCaptured } from '../../helpers/run-cli-captured.js';

// The run itself (health server, state directory, brokers, daemon) is src/app's; here it only
// records what the command hands it, so no broker is needed.
vi.mock('../../../src/app/backup-run.js', () => ({ runBackupApp: vi.fn() }));
const app = vi.mocked(runBackupApp);

const env = { STREAMVAULT_S3_BUCKET: 'vault', STREAMVAULT_S3_PREFIX: 'team/', STREAMVAULT_LOG_LEVEL: 'silent' };

beforeEach(() => {
  app.mockReset();
  app.mockResolvedValue(ExitCode.ok);
});

describe('streamvault backup', () => {
  it('refuses an invalid configuration with exit 2, printing the problem, and starts no run', async () => {
    const result = await runCliCaptured(['backup', '--once'], { STREAMVAULT_LOG_LEVEL: 'silent' }, { store: new MemoryObjectStore() });
    expect(result.code).toBe(ExitCode.badConfiguration);
    expect(result.err).toMatch(/^streamvault: invalid configuration/);
    expect(result.err).toContain('STREAMVAULT_S3_BUCKET: expected a value');
    expect(app).not.toHaveBeenCalled();
  });

  it('refuses a missing bucket with exit 3 unless STREAMVAULT_S3_CREATE_BUCKET allows creating it', async () => {
    const store = new MemoryObjectStore();
    store.bucketPresent = false;
    const result = await runCliCaptured(['backup'], env, { store });
    expect(result.code).toBe(ExitCode.missingBackupLocation);
    expect(result.err).toBe(
      'streamvault: bucket memory does not exist; create it, or set STREAMVAULT_S3_CREATE_BUCKET=true to let streamvault create it\n',
    );
    expect(store.bucketPresent).toBe(false);
    expect(app).not.toHaveBeenCalled();
  });

  it('creates the missing bucket when allowed, and needs no backup in it yet', async () => {
    const store = new MemoryObjectStore();
    store.bucketPresent = false;
    const result = await runCliCaptured(['backup', '--once'], { ...env, STREAMVAULT_S3_CREATE_BUCKET: 'true' }, { store });
    expect(result).toEqual({ code: ExitCode.ok, out: '', err: '' });
    expect(store.bucketPresent).toBe(true);
    expect(app).toHaveBeenCalledTimes(1);
  });

  it('hands the run the configuration, the store and the layout of the prefix, with --once and --json', async () => {
    const store = new MemoryObjectStore();
    await runCliCaptured(['backup', '--once', '--json'], env, { store });
    expect(app).toHaveBeenCalledTimes(1);
    const [, context, options] = app.mock.calls[0]!;
    expect(options).toEqual({ once: true, json: true });
    const { config, layout, store: given } = context as RunContext;
    expect(config.S3_BUCKET).toBe('vault');
    expect(layout.prefix).toBe('team/');
    // The store the run writes to is the one given (through the decrypting wrapper).
    await given.put('team/probe', Buffer.from('x'));
    expect(store.objects.get('team/probe')?.body.toString()).toBe('x');
  });

  it('runs the daemon without flags, and exits with the code the run returns', async () => {
    app.mockResolvedValue(ExitCode.partial);
    const result = await runCliCaptured([], env, { store: new MemoryObjectStore() });
    expect(result.code).toBe(ExitCode.partial);
    expect(app.mock.calls[0]![2]).toEqual({});
  });
});
