import { open as fsOpen, rename, rm, type FileHandle } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JournalWriteError, KeyedJournal, type JournalFs } from '../../../src/filecache/keyed-journal.js';
import { pendingStreamSchema, type PendingStream } from '../../../src/filecache/stream-file-cache.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const sha = (c: string) => c.repeat(64);
const entry = (c: string): PendingStream => ({ source: 'samples', label: 'content', sha256: sha(c), since: '2026-01-01T00:00:00.000Z' });

type WriteArgs = [Buffer, number, number, number];
type Behaviour = {
  /** Replaces FileHandle.write for the journal file (not the compaction's temporary file). */
  write?: (real: (...args: WriteArgs) => Promise<{ bytesWritten: number }>, ...args: WriteArgs) => Promise<{ bytesWritten: number }>;
  truncate?: (real: (len: number) => Promise<void>, len: number) => Promise<void>;
};

/** node:fs/promises, except that the journal's own handle (opened r+) behaves as `behaviour` says. */
function faultyFs(behaviour: Behaviour): JournalFs & { armed: boolean } {
  const fs = {
    armed: false,
    rename,
    rm,
    async open(path: string, flags: string): Promise<FileHandle> {
      const handle = await fsOpen(path, flags);
      if (flags !== 'r+') return handle;
      return new Proxy(handle, {
        get(target, name) {
          const value = Reflect.get(target, name, target) as unknown;
          if (fs.armed && name === 'write' && behaviour.write) {
            const real = (...args: WriteArgs) => target.write(...args);
            return (...args: WriteArgs) => behaviour.write!(real, ...args);
          }
          if (fs.armed && name === 'truncate' && behaviour.truncate) {
            return (len: number) => behaviour.truncate!((n) => target.truncate(n), len);
          }
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
    },
  };
  return fs;
}

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
const openWith = (path: string, fs?: JournalFs) => KeyedJournal.open(path, pendingStreamSchema, (v) => v.sha256, fs ? { fs } : {});

describe('KeyedJournal: writes that do not land whole', () => {
  it('loops on short writes (as POSIX allows): every acknowledged line reads back whole', async () => {
    const path = join(makeTempDir('journal-short-'), 'j.jsonl');
    const fs = faultyFs({ write: (real, buffer, offset, length, position) => real(buffer, offset, Math.min(length, 7), position) });
    const { journal } = await openWith(path, fs);
    fs.armed = true;
    await journal.apply([{ op: 'put', value: entry('a') }, { op: 'put', value: entry('b') }]);
    await journal.put(entry('c'));
    await journal.delete(sha('b'));
    await journal.close();
    const again = await openWith(path);
    expect(again.problems).toEqual([]);
    expect(again.journal.values()).toEqual([entry('a'), entry('c')]);
    await again.journal.close();
  });

  it('rejects an append cut short by ENOSPC, leaves the file as it was, and appends again once space is back', async () => {
    const path = join(makeTempDir('journal-enospc-'), 'j.jsonl');
    let full = true;
    let calls = 0;
    const fs = faultyFs({
      write: async (real, buffer, offset, length, position) => {
        if (!full) return real(buffer, offset, length, position);
        // The kernel takes part of the line, then has no room for the rest.
        if (calls++ === 0) return real(buffer, offset, Math.floor(length / 2), position);
        throw enospc();
      },
    });
    const { journal } = await openWith(path, fs);
    await journal.put(entry('a'));
    const before = readFileSync(path);
    fs.armed = true;
    const error = await journal.put(entry('b')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JournalWriteError);
    expect(error).toMatchObject({ code: 'ENOSPC', broken: false, message: expect.stringContaining('file system is full') });
    expect(journal.has(sha('b'))).toBe(false);
    expect(readFileSync(path)).toEqual(before);
    full = false;
    await journal.put(entry('c'));
    await journal.close();
    const again = await openWith(path);
    expect(again.problems).toEqual([]);
    expect(again.journal.values()).toEqual([entry('a'), entry('c')]);
    await again.journal.close();
  });

  it('fails a write that makes no progress instead of taking it as durable', async () => {
    const path = join(makeTempDir('journal-zero-'), 'j.jsonl');
    const fs = faultyFs({ write: async () => ({ bytesWritten: 0 }) });
    const { journal } = await openWith(path, fs);
    fs.armed = true;
    await expect(journal.put(entry('a'))).rejects.toMatchObject({ code: 'SHORT_WRITE', broken: false });
    expect(journal.size).toBe(0);
    await journal.close();
  });

  it('refuses every later write once a partial line could not be cut off (broken)', async () => {
    const path = join(makeTempDir('journal-broken-'), 'j.jsonl');
    const fs = faultyFs({
      write: (real, buffer, offset, length, position) =>
        length > 10 ? real(buffer, offset, 10, position) : Promise.reject(enospc()),
      truncate: async () => {
        throw Object.assign(new Error('EIO: i/o error, ftruncate'), { code: 'EIO' });
      },
    });
    const { journal } = await openWith(path, fs);
    await journal.put(entry('a'));
    fs.armed = true;
    await expect(journal.put(entry('b'))).rejects.toMatchObject({ code: 'ENOSPC', broken: true });
    expect(journal.broken).toBeInstanceOf(JournalWriteError);
    fs.armed = false;
    await expect(journal.put(entry('c'))).rejects.toMatchObject({ broken: true });
    await journal.close();
    // The acknowledged line is intact; the torn one (never acknowledged) is the only one skipped.
    const again = await openWith(path);
    expect(again.journal.values()).toEqual([entry('a')]);
    expect(again.problems).toEqual([expect.stringContaining('torn last line')]);
    await again.journal.close();
  });
});
