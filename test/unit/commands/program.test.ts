import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeVariables } from '../../../src/config/describe-variables.js';
import { ExitCode } from '../../../src/exit-codes.js';
import { runCliCaptured } from '../../helpers/run-cli-captured.js';

const run = runCliCaptured;

describe('streamvault CLI', () => {
  it('--help lists the commands and every variable with its default', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(ExitCode.ok);
    for (const command of ['backup', 'restore', 'drill', 'verify', 'stats', 'get', 'streams']) expect(out).toMatch(new RegExp(`\\n  ${command}\\b`));
    for (const v of describeVariables()) expect(out).toContain(v.name);
    expect(out).toContain('default: 1000 events');
    expect(out).toContain('Exit codes:');
  });

  it('--version prints the version of package.json', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    const { code, out } = await run(['--version']);
    expect(code).toBe(ExitCode.ok);
    expect(out.trim()).toBe(pkg.version);
  });

  it("a command's --help lists the variables that command reads, and points to the full reference", async () => {
    const backup = await run(['backup', '--help']);
    expect(backup.code).toBe(ExitCode.ok);
    for (const v of describeVariables()) {
      if (v.group === 'restore') expect(backup.out).not.toContain(v.name);
      else expect(backup.out).toContain(v.name);
    }
    const verify = await run(['verify', '--help']);
    expect(verify.code).toBe(ExitCode.ok);
    expect(verify.out).toContain('STREAMVAULT_S3_BUCKET');
    expect(verify.out).not.toContain('STREAMVAULT_KAFKA_BROKERS');
    expect(verify.out).not.toContain('STREAMVAULT_BATCH_MAX_EVENTS');
    expect(verify.out).toContain('streamvault --help');
    const restore = await run(['restore', '--help']);
    expect(restore.out).toContain('STREAMVAULT_RESTORE_TOPIC_TEMPLATE');
    expect(restore.out).not.toContain('STREAMVAULT_BATCH_MAX_EVENTS');
    // The drill reads the restore's tuning, not its targets or hooks: it picks its own scratch ones.
    const drill = await run(['drill', '--help']);
    expect(drill.code).toBe(ExitCode.ok);
    for (const name of ['STREAMVAULT_KAFKA_BROKERS', 'STREAMVAULT_RESTORE_KAFKA_BROKERS', 'STREAMVAULT_RESTORE_CONCURRENCY', 'STREAMVAULT_S3_BUCKET', 'STREAMVAULT_STATE_DIR']) expect(drill.out).toContain(name);
    for (const name of ['STREAMVAULT_RESTORE_TOPIC_TEMPLATE', 'STREAMVAULT_RESTORE_PRE_HOOK', 'STREAMVAULT_RESTORE_STREAM_TARGET', 'STREAMVAULT_BATCH_MAX_EVENTS']) expect(drill.out).not.toContain(name);
    expect(drill.out).toContain('--sample');
  });

  it('treats an unknown command as a usage error even when --help follows it', async () => {
    const { code, out, err } = await run(['rehearse', '--help']);
    expect(code).toBe(ExitCode.badConfiguration);
    expect(err).toContain("unknown command 'rehearse'");
    expect(out).toBe('');
  });

  it('reports every configuration problem at once and exits with the documented code', async () => {
    const { code, err } = await run(['backup'], {
      STREAMVAULT_BATCH_MAX_EVENTS: 'many',
      STREAMVAULT_AVRO_CODEC: 'zip',
      STREAMVAULT_S3_SECRET_ACCESS_KEY: 'do-not-print-me',
    });
    expect(code).toBe(ExitCode.badConfiguration);
    expect(err).toContain('STREAMVAULT_S3_BUCKET: expected a value');
    expect(err).toContain('STREAMVAULT_BATCH_MAX_EVENTS: expected an integer from 1 to 1000000; got "many"');
    expect(err).toContain('STREAMVAULT_AVRO_CODEC: expected one of deflate, null, zstd; got "zip"');
    expect(err).not.toContain('do-not-print-me');
  });

  it('exits with the usage code on an unknown command', async () => {
    const { code, err } = await run(['bakup']);
    expect(code).toBe(ExitCode.badConfiguration);
    expect(err).toMatch(/unknown command/);
  });

  it('runs the command named by STREAMVAULT_MODE when none is given', async () => {
    // Config is invalid (no bucket), so the chosen command fails fast at validation, naming it.
    const restore = await run([], { STREAMVAULT_MODE: 'restore' });
    expect(restore.code).toBe(ExitCode.badConfiguration);
    expect(restore.err).toContain('STREAMVAULT_S3_BUCKET: expected a value');
    const bogus = await run([], { STREAMVAULT_MODE: 'sing' });
    expect(bogus.code).toBe(ExitCode.badConfiguration);
    expect(bogus.err).toMatch(/unknown command 'sing'/);
  });
});
