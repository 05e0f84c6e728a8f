import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { describeVariables } from '../../../src/config/describe-variables.js';
import { ExitCode } from '../../../src/exit-codes.js';
import { runCliCaptured } from '../../helpers/run-cli-captured.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

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

  it('runs the command named by STREAMVAULT_MODE when none is given, and backup when neither is', async () => {
    // Which command ran is told by what it asked of S3: the backup daemon may create a missing
    // bucket (and so sends CreateBucket, refused here), restore reads a backup and never creates one.
    const s3 = await startBucketlessS3();
    try {
      const env = { ...s3.env, STREAMVAULT_S3_CREATE_BUCKET: 'true' };
      const restore = await run([], { ...env, STREAMVAULT_MODE: 'restore' });
      expect({ code: restore.code, requests: s3.take() }).toEqual({ code: ExitCode.missingBackupLocation, requests: ['HEAD /bucket'] });
      expect(restore.err).toContain('this command reads a backup and never creates a bucket');
      const backup = await run([], { ...env, STREAMVAULT_MODE: 'backup' });
      expect({ code: backup.code, requests: s3.take() }).toEqual({ code: ExitCode.failure, requests: ['HEAD /bucket', 'PUT /bucket'] });
      const unset = await run([], env);
      expect({ code: unset.code, requests: s3.take() }).toEqual({ code: ExitCode.failure, requests: ['HEAD /bucket', 'PUT /bucket'] });
      const named = await run(['restore'], { ...env, STREAMVAULT_MODE: 'backup' });
      expect({ code: named.code, requests: s3.take() }).toEqual({ code: ExitCode.missingBackupLocation, requests: ['HEAD /bucket'] });
    } finally {
      await s3.close();
    }
    const bogus = await run([], { STREAMVAULT_MODE: 'sing' });
    expect(bogus.code).toBe(ExitCode.badConfiguration);
    expect(bogus.err).toMatch(/unknown command 'sing'/);
  });
});

/**
 * An S3 endpoint without the bucket: HeadBucket answers 404, CreateBucket 403 (so a backup stops
 * there). Records each request as "METHOD /path".
 */
async function startBucketlessS3(): Promise<{ env: NodeJS.ProcessEnv; take: () => string[]; close: () => Promise<void> }> {
  let requests: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests.push(`${req.method} ${new URL(req.url ?? '/', 'http://x').pathname.replace(/\/$/, '')}`);
      if (req.method === 'HEAD') {
        res.writeHead(404).end();
      } else {
        res.writeHead(403, { 'content-type': 'application/xml' }).end('<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>no</Message></Error>');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    env: {
      STREAMVAULT_S3_BUCKET: 'bucket',
      STREAMVAULT_S3_ENDPOINT: `http://127.0.0.1:${port}`,
      STREAMVAULT_S3_FORCE_PATH_STYLE: 'true',
      STREAMVAULT_S3_REGION: 'us-east-1',
      STREAMVAULT_S3_ACCESS_KEY_ID: 'test',
      STREAMVAULT_S3_SECRET_ACCESS_KEY: 'test',
      STREAMVAULT_S3_MAX_ATTEMPTS: '1',
      STREAMVAULT_LOG_LEVEL: 'silent',
      STREAMVAULT_STATE_DIR: makeTempDir('program-state-'),
    },
    take: () => {
      const taken = requests;
      requests = [];
      return taken;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
