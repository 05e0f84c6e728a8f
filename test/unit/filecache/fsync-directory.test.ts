import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fsyncDirectory, type DirectoryFs } from '../../../src/filecache/fsync-directory.js';

const failing = (code: string, at: 'open' | 'sync') => {
  const calls: string[] = [];
  const fs: DirectoryFs = {
    async open(path, flags) {
      calls.push(`open ${path} ${flags}`);
      if (at === 'open') throw Object.assign(new Error(`${code}: refused`), { code });
      return {
        async sync() {
          calls.push('sync');
          throw Object.assign(new Error(`${code}: refused`), { code });
        },
        async close() {
          calls.push('close');
        },
      };
    },
  };
  return { fs, calls };
};

describe('fsyncDirectory', () => {
  it('syncs a real directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsync-dir-'));
    try {
      await expect(fsyncDirectory(dir)).resolves.toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each(['EINVAL', 'ENOTSUP', 'EISDIR'])('tolerates a file system that refuses directory fsync with %s, and closes the handle', async (code) => {
    const { fs, calls } = failing(code, 'sync');
    await expect(fsyncDirectory('/state', fs)).resolves.toBeUndefined();
    expect(calls).toEqual(['open /state r', 'sync', 'close']);
  });

  it('tolerates EISDIR when the directory cannot even be opened for sync', async () => {
    const { fs, calls } = failing('EISDIR', 'open');
    await expect(fsyncDirectory('/state', fs)).resolves.toBeUndefined();
    expect(calls).toEqual(['open /state r']);
  });

  it.each(['EIO', 'ENOSPC'])('throws a real failure (%s), after closing the handle', async (code) => {
    const { fs, calls } = failing(code, 'sync');
    await expect(fsyncDirectory('/state', fs)).rejects.toMatchObject({ code });
    expect(calls).toEqual(['open /state r', 'sync', 'close']);
  });

  it('throws when the directory does not exist', async () => {
    await expect(fsyncDirectory(join(tmpdir(), 'no-such-dir-fsync-test', 'x'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
