import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAILED_FILE, openStreamFileCache, PENDING_FILE, truncateReason, type FailedStream } from '../../../src/filecache/stream-file-cache.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const sha = (c: string) => c.repeat(64);

describe('openStreamFileCache', () => {
  it('takes the state directory lock: a second writer is refused until the first closes', async () => {
    const dir = makeTempDir('state-');
    const first = await openStreamFileCache(dir);
    expect(first.kind).toBe('open');
    // The lock holds our own pid, which counts as stale for a new process; simulate another holder.
    writeFileSync(join(dir, 'streams.lock'), `${process.ppid}\n`);
    const second = await openStreamFileCache(dir);
    expect(second).toMatchObject({ kind: 'locked', message: expect.stringContaining(`in use by process ${process.ppid}`) });
    const readonly = await openStreamFileCache(dir, { readonly: true });
    expect(readonly.kind).toBe('open');
    if (first.kind === 'open') await first.cache.close();
    const third = await openStreamFileCache(dir);
    expect(third.kind).toBe('open');
    if (third.kind === 'open') await third.cache.close();
    expect(existsSync(join(dir, PENDING_FILE)) && existsSync(join(dir, FAILED_FILE))).toBe(true);
  });

  it('reports an unwritable state directory clearly', async () => {
    const result = await openStreamFileCache(join(makeTempDir('state-'), 'does', 'not', 'exist'));
    expect(result).toMatchObject({ kind: 'unusable', message: expect.stringMatching(/expected readable and writable files, got ENOENT/) });
  });
});

describe('the stream journals', () => {
  it('keep what was written across a reopen, one entry per sha256', async () => {
    const dir = makeTempDir('state-');
    const first = await openStreamFileCache(dir);
    if (first.kind !== 'open') throw new Error(first.message);
    const failed: FailedStream = { source: 'samples', label: 'content', sha256: sha('a'), kind: 'missing', reason: 'HTTP 404', at: '2026-01-01T00:00:00.000Z', attempts: 2 };
    await first.cache.pending.put({ source: 'samples', label: 'content', sha256: sha('b'), since: '2026-01-01T00:00:00.000Z' });
    await first.cache.pending.put({ source: 'testing', label: 'report', sha256: sha('b'), since: '2026-01-02T00:00:00.000Z' });
    await first.cache.failed.put(failed);
    await first.cache.close();
    await first.cache.close();
    const again = await openStreamFileCache(dir, { readonly: true });
    if (again.kind !== 'open') throw new Error(again.message);
    expect(again.cache.pending.values()).toEqual([{ source: 'testing', label: 'report', sha256: sha('b'), since: '2026-01-02T00:00:00.000Z' }]);
    expect(again.cache.failed.get(sha('a'))).toEqual(failed);
    expect(again.cache.problems).toEqual([]);
    await again.cache.close();
  });

  it("skip a damaged or hostile failed-list line, saying which file and line", async () => {
    const dir = makeTempDir('state-');
    const hostile = { op: 'put', value: { source: 'samples', label: 'content', sha256: sha('c'), kind: 'failed', reason: 'x', at: 'now', attempts: 0 } };
    writeFileSync(join(dir, FAILED_FILE), `not json\n${JSON.stringify(hostile)}\n`);
    const opened = await openStreamFileCache(dir, { readonly: true });
    if (opened.kind !== 'open') throw new Error(opened.message);
    expect(opened.cache.failed.size).toBe(0);
    expect(opened.cache.problems).toHaveLength(2);
    expect(opened.cache.problems[0]).toMatch(new RegExp(`^${FAILED_FILE} line 1: expected a JSON object`));
    expect(opened.cache.problems[1]).toMatch(new RegExp(`^${FAILED_FILE} line 2: .*attempts`));
    await opened.cache.close();
  });
});

describe('truncateReason', () => {
  it('keeps a reason of up to 2000 characters, and cuts a longer one to 2000 ending in an ellipsis', () => {
    expect(truncateReason('x'.repeat(2000))).toBe('x'.repeat(2000));
    const cut = truncateReason('y'.repeat(5000));
    expect(cut).toHaveLength(2000);
    expect(cut).toBe(`${'y'.repeat(1999)}…`);
    expect(truncateReason('')).toBe('');
  });
});
