import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStreamFileCache } from '../../../src/filecache/stream-file-cache.js';
import { runCliCaptured } from '../../helpers/run-cli-captured.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/** The streams commands need only a bucket name and the state directory; nothing here touches S3. */
const run = (args: string[], stateDir: string) =>
  runCliCaptured(args, { STREAMVAULT_S3_BUCKET: 'bucket', STREAMVAULT_STATE_DIR: stateDir, STREAMVAULT_LOG_LEVEL: 'silent' });

const SHA = 'AB'.repeat(32);

describe('streamvault streams failed', () => {
  it('adds valid references (normalized to lowercase) and lists them, as text and JSON', async () => {
    const dir = makeTempDir('state-');
    expect((await run(['streams', 'failed', 'add', `samples/content/${SHA}`], dir)).code).toBe(0);
    const text = await run(['streams', 'failed', 'list'], dir);
    expect(text.out).toContain(`samples/content/${SHA.toLowerCase()}\tfailed\t`);
    const json = await run(['streams', 'failed', 'list', '--json'], dir);
    expect(JSON.parse(json.out)).toMatchObject({ count: 1, failed: [{ source: 'samples', label: 'content', sha256: SHA.toLowerCase(), kind: 'failed' }] });
  });

  it('refuses hostile references, listing every problem and adding none', async () => {
    const dir = makeTempDir('state-');
    const hostile = [`samples/content/${'a'.repeat(63)}`, `../content/${'a'.repeat(64)}`, `samples/con\u0000tent/${'a'.repeat(64)}`, '../../etc/passwd', `samples/content/${'a'.repeat(64)}`];
    const result = await run(['streams', 'failed', 'add', ...hostile], dir);
    expect(result.code).toBe(2);
    expect(result.err).toContain('4 invalid references');
    expect(result.err).toContain('\\u0000');
    const opened = await openStreamFileCache(dir, { readonly: true });
    expect(opened.kind === 'open' && opened.cache.failed.size).toBe(0);
  });

  it('clears only with --confirm', async () => {
    const dir = makeTempDir('state-');
    await run(['streams', 'failed', 'add', `samples/content/${SHA}`], dir);
    const refused = await run(['streams', 'failed', 'clear'], dir);
    expect(refused).toMatchObject({ code: 2, err: expect.stringContaining('expected --confirm to remove 1 failed stream') });
    expect((await run(['streams', 'failed', 'clear', '--confirm'], dir)).out).toBe('cleared 1 failed stream\n');
    expect((await run(['streams', 'failed', 'list'], dir)).out).toBe('no failed streams\n');
  });

  it('does not change the list while another process holds the state directory', async () => {
    const dir = makeTempDir('state-');
    const OTHER = 'cd'.repeat(32);
    expect((await run(['streams', 'failed', 'add', `samples/content/${SHA}`], dir)).code).toBe(0);
    const before = JSON.parse((await run(['streams', 'failed', 'list', '--json'], dir)).out) as unknown;
    writeFileSync(join(dir, 'streams.lock'), `${process.ppid}\n`);
    const added = await run(['streams', 'failed', 'add', `samples/content/${OTHER}`], dir);
    expect(added.code).toBe(1);
    expect(added.err).toContain(`in use by process ${process.ppid}`);
    const cleared = await run(['streams', 'failed', 'clear', '--confirm'], dir);
    expect(cleared.code).toBe(1);
    // Read back: the list (a read needs no lock) is the one from before, entry for entry.
    const after = JSON.parse((await run(['streams', 'failed', 'list', '--json'], dir)).out) as unknown;
    expect(after).toEqual(before);
    expect(before).toMatchObject({ count: 1, failed: [{ sha256: SHA.toLowerCase() }] });
  });
});
