// `streamvault streams failed retry` in-process (runCli) against the HTTP stream server and s3rver.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openStreamFileCache } from '../../../src/filecache/stream-file-cache.js';
import { newBackupTarget } from '../../helpers/backup-target.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { runCliCaptured } from '../../helpers/run-cli-captured.js';
import { startStreamServer } from '../../helpers/stream-server.js';

describe('streamvault streams failed retry', () => {
  it('copies what it can, keeps the rest listed, and exits 4 while some still fail', async () => {
    const server = withCleanup(await startStreamServer());
    const { env, stateDir, store, layout } = await newBackupTarget('retry', {
      extra: { STREAMVAULT_STREAM_SOURCE_URL: server.baseUrl, STREAMVAULT_STREAM_RETRY_MIN_DELAY_SECONDS: '0.01', STREAMVAULT_LOG_LEVEL: 'silent' },
    });
    const content = Buffer.from('back at the source now');
    const sha = server.put('samples', 'content', content);
    const gone = 'cd'.repeat(32);
    expect((await runCliCaptured(['streams', 'failed', 'add', `samples/content/${sha}`, `samples/content/${gone}`], env)).code).toBe(0);

    const result = await runCliCaptured(['streams', 'failed', 'retry'], env);
    expect(result.code).toBe(4);
    expect(result.out).toContain('1 of 2 recovered; 1 still failed');
    const stored = await store.get(layout.streamKey(sha));
    expect(createHash('sha256').update(stored).digest('hex')).toBe(sha);
    const opened = await openStreamFileCache(stateDir, { readonly: true });
    if (opened.kind !== 'open') throw new Error(`expected readable journals, got ${opened.kind}`);
    expect(opened.cache.failed.values()).toEqual([expect.objectContaining({ sha256: gone, kind: 'missing' })]);
  });
});
