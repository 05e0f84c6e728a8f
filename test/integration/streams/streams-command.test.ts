// `streamvault streams failed retry` in-process (runCli) against the HTTP stream server and s3rver.
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/commands/program.js';
import { openStreamFileCache } from '../../../src/filecache/stream-file-cache.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { S3ObjectStore } from '../../../src/storage/s3-object-store.js';
import { backupEnv } from '../../helpers/backup-env.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { uniqueName } from '../../helpers/names.js';
import { createBucket, s3ClientFor } from '../../helpers/s3-server.js';
import { sharedKafkaBrokers, sharedS3Endpoint } from '../../helpers/shared-servers.js';
import { startStreamServer } from '../../helpers/stream-server.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

async function run(args: string[], env: Record<string, string>) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await runCli(args, { env, stdout, stderr, isTTY: false });
  return { code, out, err };
}

describe('streamvault streams failed retry', () => {
  it('copies what it can, keeps the rest listed, and exits 4 while some still fail', async () => {
    const server = withCleanup(await startStreamServer());
    const client = s3ClientFor(sharedS3Endpoint());
    const bucket = uniqueName('retry');
    await createBucket(client, bucket);
    const stateDir = makeTempDir('state-');
    const env = backupEnv({
      brokers: sharedKafkaBrokers(),
      s3Endpoint: sharedS3Endpoint(),
      bucket,
      stateDir,
      extra: { STREAMVAULT_STREAM_SOURCE_URL: server.baseUrl, STREAMVAULT_STREAM_RETRY_MIN_DELAY_SECONDS: '0.01', STREAMVAULT_LOG_LEVEL: 'silent' },
    });
    const content = Buffer.from('back at the source now');
    const sha = server.put('samples', 'content', content);
    const gone = 'cd'.repeat(32);
    expect((await run(['streams', 'failed', 'add', `samples/content/${sha}`, `samples/content/${gone}`], env)).code).toBe(0);

    const result = await run(['streams', 'failed', 'retry'], env);
    expect(result.code).toBe(4);
    expect(result.out).toContain('1 of 2 recovered; 1 still failed');
    const store = new S3ObjectStore(client, bucket);
    const stored = await store.get(new KeyLayout('').streamKey(sha));
    expect(createHash('sha256').update(stored).digest('hex')).toBe(sha);
    const opened = await openStreamFileCache(stateDir, { readonly: true });
    if (opened.kind !== 'open') throw new Error(`expected readable journals, got ${opened.kind}`);
    expect(opened.cache.failed.values()).toEqual([expect.objectContaining({ sha256: gone, kind: 'missing' })]);
  });
});
