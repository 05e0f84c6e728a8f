import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createCommandContext, refuse, type CliEnvironment } from '../../../src/commands/command-context.js';
import { ExitCode } from '../../../src/exit-codes.js';
import { ProcessSignals } from '../../../src/process-signals.js';
import { sealBuffer } from '../../../src/storage/encryption.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

/** A CLI environment over `env` whose stderr the test reads. */
function cliOf(env: NodeJS.ProcessEnv): { cli: CliEnvironment; err: () => string } {
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const signals = new ProcessSignals({
    exit: (code) => {
      throw new Error(`expected no signal, got one that would exit with ${code}`);
    },
    stderr,
  });
  return { cli: { env, stdout: new PassThrough(), stderr, isTTY: false, signals }, err: () => err };
}

const KEY = Buffer.alloc(32, 7);

describe('refuse', () => {
  it('says why on stderr and returns the exit code of the error code', () => {
    const { cli, err } = cliOf({});
    expect(refuse(cli, 'bucket vault does not exist', 'BACKUP_LOCATION_MISSING')).toBe(ExitCode.missingBackupLocation);
    expect(refuse(cli, 'bad', 'CONFIG_INVALID')).toBe(ExitCode.badConfiguration);
    expect(err()).toBe('streamvault: bucket vault does not exist\nstreamvault: bad\n');
  });
});

describe('createCommandContext', () => {
  it('refuses an invalid configuration with exit 2, printing every problem, before any S3 client is used', async () => {
    const { cli, err } = cliOf({ STREAMVAULT_BATCH_MAX_EVENTS: '0', STREAMVAULT_S3_ENDPOINT: 'http://127.0.0.1:1' });
    expect(await createCommandContext(cli, { requireBucket: 'exists' })).toEqual({ ok: false, exitCode: ExitCode.badConfiguration });
    expect(err()).toMatch(/^streamvault: invalid configuration \(2 problems\):\n/);
    expect(err()).toContain('STREAMVAULT_S3_BUCKET: expected a value');
    expect(err()).toContain('STREAMVAULT_BATCH_MAX_EVENTS: expected an integer from 1 to 1000000; got "0"');
  });

  it('makes the config, logger, store and key layout without asking S3 when no check is wanted', async () => {
    const { cli, err } = cliOf({ STREAMVAULT_S3_BUCKET: 'vault', STREAMVAULT_S3_PREFIX: 'team/', STREAMVAULT_S3_ENDPOINT: 'http://127.0.0.1:1', STREAMVAULT_LOG_LEVEL: 'silent' });
    const created = await createCommandContext(cli, { requireBucket: 'no-check' });
    expect(created.ok).toBe(true);
    if (!created.ok) return;
    expect(created.context.config.S3_BUCKET).toBe('vault');
    expect(created.context.layout.prefix).toBe('team/');
    expect(created.context.layout.manifestsPrefix().startsWith('team/')).toBe(true);
    expect(created.context.store.bucket).toBe('vault');
    expect(err()).toBe('');
  });

  it('says which bucket at which endpoint it could not reach, with the attempts and timeouts, and exits 1', async () => {
    const { cli, err } = cliOf({ STREAMVAULT_S3_BUCKET: 'vault', STREAMVAULT_S3_ENDPOINT: 'http://127.0.0.1:1', STREAMVAULT_S3_FORCE_PATH_STYLE: 'true', STREAMVAULT_S3_MAX_ATTEMPTS: '1', STREAMVAULT_S3_REGION: 'us-east-1', STREAMVAULT_S3_ACCESS_KEY_ID: 'id', STREAMVAULT_S3_SECRET_ACCESS_KEY: 'secret', STREAMVAULT_LOG_LEVEL: 'silent' });
    expect(await createCommandContext(cli, { requireBucket: 'exists' })).toEqual({ ok: false, exitCode: ExitCode.failure });
    expect(err()).toMatch(/^streamvault: cannot reach bucket vault at http:\/\/127\.0\.0\.1:1 \(1 attempts; timeouts: connect 5000 ms, request 120000 ms, idle socket 30000 ms\): /);
    expect(err()).not.toContain('secret');
  });

  it('reads the store the environment opens, for the configuration, through the decrypting wrapper', async () => {
    const inner = new MemoryObjectStore();
    const records = Buffer.from('Obj\u0001 container bytes');
    await inner.put('team/events/a.avro', sealBuffer({ id: 'k1', key: KEY }, records));
    const opened: string[] = [];
    const { cli } = cliOf({ STREAMVAULT_S3_BUCKET: 'vault', STREAMVAULT_S3_PREFIX: 'team/', STREAMVAULT_ENCRYPTION_KEY: KEY.toString('hex'), STREAMVAULT_ENCRYPTION_KEY_ID: 'k1', STREAMVAULT_LOG_LEVEL: 'silent' });
    const created = await createCommandContext(
      {
        ...cli,
        openStore: (config) => {
          opened.push(config.S3_BUCKET);
          return inner;
        },
      },
      { requireBucket: 'no-check' },
    );
    expect(created.ok).toBe(true);
    if (!created.ok) return;
    expect(opened).toEqual(['vault']);
    expect(created.context.store.bucket).toBe('memory');
    expect((await created.context.store.get('team/events/a.avro')).equals(records)).toBe(true);
  });
});
