import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { runRestoreApp, type RestoreParts, type RestoreRequest } from '../../../src/app/restore-run.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { ExitCode } from '../../../src/exit-codes.js';
import { createLogger } from '../../../src/observability/logger.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

function text() {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  return { stream, text: () => chunks.join('') };
}

function setup(env: Record<string, string>) {
  const loaded = loadConfig({ STREAMVAULT_S3_BUCKET: 'backup', STREAMVAULT_STATE_DIR: makeTempDir('restore-run-'), ...env });
  if (!loaded.ok) throw new Error(`expected a valid configuration, got ${JSON.stringify(loaded.problems)}`);
  const stdout = text();
  const stderr = text();
  const io = { env: {}, stdout: stdout.stream, stderr: stderr.stream, isTTY: false };
  const context = { config: loaded.config, logger: createLogger('silent'), store: new MemoryObjectStore(), layout: new KeyLayout('') };
  return { io, context, stdout, stderr };
}

/** An S3 client of a stream target whose bucket does not exist; counts its destroy calls. */
function missingBucketS3() {
  const made = { clients: 0, destroyed: 0, sent: [] as string[] };
  const parts: RestoreParts = {
    streamTargetS3: () => {
      made.clients += 1;
      return {
        send: async (command: { constructor: { name: string } }) => {
          made.sent.push(command.constructor.name);
          throw Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
        },
        destroy: () => {
          made.destroyed += 1;
        },
      } as unknown as S3Client;
    },
  };
  return { parts, made };
}

const request: RestoreRequest = {
  scope: { sources: [], events: [], what: 'both', sinceMs: undefined, untilMs: undefined, offsetRanges: [] },
  dryRun: false,
  json: false,
  checkMode: 'every-batch',
  forceFull: false,
  skipExistingStreams: false,
};

describe('runRestoreApp', () => {
  it('refuses a stream target bucket that does not exist with exit 2, and destroys the S3 client it made for it', async () => {
    const { io, context, stderr } = setup({ STREAMVAULT_RESTORE_STREAM_TARGET: 's3', STREAMVAULT_RESTORE_STREAM_BUCKET: 'gone' });
    const { parts, made } = missingBucketS3();
    const code = await runRestoreApp(io, context, request, parts);
    expect(code).toBe(ExitCode.badConfiguration);
    expect(stderr.text()).toContain('STREAMVAULT_RESTORE_STREAM_BUCKET: expected an existing bucket, got gone which does not exist');
    expect(made.sent).toEqual(['HeadBucketCommand']);
    expect(made).toMatchObject({ clients: 1, destroyed: 1 });
  });

  it('refuses an unusable state directory before it makes any part (no stream target client)', async () => {
    const { io, context, stderr } = setup({ STREAMVAULT_RESTORE_STREAM_TARGET: 's3', STREAMVAULT_RESTORE_STREAM_BUCKET: 'gone' });
    const file = join(makeTempDir('restore-run-file-'), 'not-a-dir');
    writeFileSync(file, 'x');
    const { parts, made } = missingBucketS3();
    const code = await runRestoreApp(io, { ...context, config: { ...context.config, STATE_DIR: join(file, 'state') } }, request, parts);
    expect(code).toBe(ExitCode.stateDirUnusable);
    expect(stderr.text()).toMatch(/^streamvault: /);
    expect(made.clients).toBe(0);
  });

  it('refuses an http stream target without a URL with exit 2 and every such problem listed', async () => {
    const { io, context, stderr } = setup({ STREAMVAULT_RESTORE_STREAM_TARGET: 'http' });
    const { parts, made } = missingBucketS3();
    const code = await runRestoreApp(io, context, request, parts);
    expect(code).toBe(ExitCode.badConfiguration);
    expect(stderr.text()).toContain('streamvault: invalid configuration:\n  - STREAMVAULT_RESTORE_STREAM_URL: expected the target stream service base URL');
    expect(made.clients).toBe(0);
  });

  it('does not ask a stream target bucket in a dry run of events only, and closes nothing it did not open', async () => {
    const { io, context } = setup({ STREAMVAULT_RESTORE_STREAM_TARGET: 's3', STREAMVAULT_RESTORE_STREAM_BUCKET: 'gone' });
    mkdirSync(context.config.STATE_DIR, { recursive: true });
    const { parts, made } = missingBucketS3();
    // An empty backup: the plan has nothing, the dry run prints it and ends 0.
    const code = await runRestoreApp(io, context, { ...request, dryRun: true, scope: { ...request.scope, what: 'events' } }, parts);
    expect(code).toBe(ExitCode.ok);
    expect(made).toMatchObject({ clients: 0, destroyed: 0 });
  });
});
