import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireStateLock } from '../../../src/filecache/state-lock.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/** A pid no process has: one that just ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('acquireStateLock', () => {
  it('writes its pid into the lock file, and removes it on release (once, however often called)', async () => {
    const dir = makeTempDir('lock-');
    const lock = await acquireStateLock(dir);
    expect(lock.kind).toBe('acquired');
    expect(readFileSync(join(dir, 'streams.lock'), 'utf8')).toBe(`${process.pid}\n`);
    if (lock.kind !== 'acquired') return;
    await lock.release();
    expect(existsSync(join(dir, 'streams.lock'))).toBe(false);
    // A second release must not remove a lock another writer took since.
    writeFileSync(join(dir, 'streams.lock'), `${process.ppid}\n`);
    await lock.release();
    expect(readFileSync(join(dir, 'streams.lock'), 'utf8')).toBe(`${process.ppid}\n`);
  });

  it('is refused while a live process holds it, saying which and where', async () => {
    const dir = makeTempDir('lock-');
    writeFileSync(join(dir, 'streams.lock'), `${process.ppid}\n`);
    expect(await acquireStateLock(dir)).toEqual({ kind: 'held', pid: process.ppid, path: join(dir, 'streams.lock') });
  });

  it('takes over a stale lock: a pid that is gone, its own pid (a restarted container), or a file that holds no pid', async () => {
    for (const content of [`${deadPid()}\n`, `${process.pid}\n`, 'garbage', '']) {
      const dir = makeTempDir('lock-');
      writeFileSync(join(dir, 'streams.lock'), content);
      const lock = await acquireStateLock(dir);
      expect(lock.kind, JSON.stringify(content)).toBe('acquired');
      expect(readFileSync(join(dir, 'streams.lock'), 'utf8')).toBe(`${process.pid}\n`);
    }
  });

  it('keeps locks of other names apart', async () => {
    const dir = makeTempDir('lock-');
    const streams = await acquireStateLock(dir);
    writeFileSync(join(dir, 'streams.lock'), `${process.ppid}\n`);
    const other = await acquireStateLock(dir, 'restore.lock');
    expect([streams.kind, other.kind]).toEqual(['acquired', 'acquired']);
    expect(readFileSync(join(dir, 'restore.lock'), 'utf8')).toBe(`${process.pid}\n`);
  });

  it('passes on an error other than an existing lock', async () => {
    await expect(acquireStateLock(join(makeTempDir('lock-'), 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
