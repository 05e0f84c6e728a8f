import { open } from 'node:fs/promises';

/**
 * Codes with which some file systems refuse fsync on a directory: EINVAL (e.g. some network and
 * FUSE file systems), ENOTSUP (file systems without directory sync), EISDIR (platforms that do not
 * open directories for sync at all). There the rename before it is still atomic, only its
 * durability across a power loss is the file system's business; failing the write would turn a
 * working state directory into an unusable one. Every other error (EIO, ENOSPC...) is real and thrown.
 */
export const DIRECTORY_FSYNC_REFUSED: ReadonlySet<string> = new Set(['EINVAL', 'ENOTSUP', 'EISDIR']);

/** Just what fsyncing a directory needs of node:fs/promises (a fake in tests). */
export interface DirectoryFs {
  open(path: string, flags: string): Promise<{ sync(): Promise<void>; close(): Promise<void> }>;
}

/**
 * Fsyncs directory `dir` so that a rename or a new file in it survives a crash; the one copy of
 * this for every durable writer (stream journals, restore journals, atomic file writes).
 */
export async function fsyncDirectory(dir: string, fs: DirectoryFs = { open }): Promise<void> {
  let handle: Awaited<ReturnType<DirectoryFs['open']>>;
  try {
    handle = await fs.open(dir, 'r');
  } catch (error) {
    if (DIRECTORY_FSYNC_REFUSED.has((error as NodeJS.ErrnoException).code ?? '')) return;
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    if (!DIRECTORY_FSYNC_REFUSED.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await handle.close();
  }
}
