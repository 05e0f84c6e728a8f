import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

export type StateLock = { kind: 'acquired'; release: () => Promise<void> } | { kind: 'held'; pid: number; path: string };

/**
 * One writer per state directory: the daemon and the `streams failed` commands both rewrite the
 * journals (compaction renames the file), and two writers would lose each other's appends.
 * The lock file holds the owner's pid. A lock whose pid is gone, or is this very process (a
 * container restarted with the same pid 1), is stale and taken over.
 */
export async function acquireStateLock(stateDir: string, name = 'streams.lock'): Promise<StateLock> {
  const path = join(stateDir, name);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(`${process.pid}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      let released = false;
      return {
        kind: 'acquired',
        release: async () => {
          if (released) return;
          released = true;
          await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readPid(path);
    if (holder !== undefined && holder !== process.pid && isAlive(holder)) return { kind: 'held', pid: holder, path };
    await rm(path, { force: true });
  }
  throw new Error(`lock ${path}: expected to create it after removing a stale one, got EEXIST three times (another process racing?)`);
}

async function readPid(path: string): Promise<number | undefined> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    return /^\d{1,10}$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else; still alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
