import { mkdir, open, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export type StateDirCheck = { ok: true; path: string } | { ok: false; message: string };

/**
 * The file cache must be writable and fsync-able before anything is consumed: it is where
 * acknowledged work goes when S3 or the stream source cannot take it yet.
 */
export async function checkStateDir(path: string): Promise<StateDirCheck> {
  const dir = resolve(path);
  const probe = join(dir, `.probe-${process.pid}`);
  try {
    await mkdir(dir, { recursive: true });
    const handle = await open(probe, 'w');
    try {
      await handle.writeFile('probe');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rm(probe, { force: true });
    return { ok: true, path: dir };
  } catch (error) {
    return {
      ok: false,
      message: `state directory ${dir} (STREAMVAULT_STATE_DIR) is not usable: expected a writable directory, got ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    };
  }
}
