import { mkdir, readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../observability/logger.js';

/**
 * Where verified stream copies wait for their posts (`{sha256}.{pid}` under the restore's state
 * directory). A run deletes its own files as each stream finishes, and what is left at its end;
 * a run that was killed cannot, so every run first deletes the files of runs whose process is gone.
 * Files of a live process (a concurrent restore into the same target) are left alone.
 */
export class Spool {
  readonly dir: string;
  readonly #pid: number;
  readonly #logger: Logger;

  private constructor(dir: string, pid: number, logger: Logger) {
    this.dir = dir;
    this.#pid = pid;
    this.#logger = logger;
  }

  static async open(dir: string, logger: Logger, pid = process.pid, isAlive: (pid: number) => boolean = processIsAlive): Promise<Spool> {
    await mkdir(dir, { recursive: true });
    const stale: string[] = [];
    for (const name of await readdir(dir)) {
      const owner = ownerPid(name);
      if (owner === pid || (owner !== undefined && isAlive(owner))) continue;
      await rm(join(dir, name), { force: true, recursive: true });
      stale.push(name);
    }
    if (stale.length > 0) logger.info({ dir, files: stale.length }, 'deleted spool files left by an interrupted restore');
    return new Spool(dir, pid, logger);
  }

  fileFor(sha256: string): string {
    return join(this.dir, `${sha256}.${this.#pid}`);
  }

  /** Deletes this run's files (normally none are left) and the folder when it is empty. */
  async close(): Promise<void> {
    try {
      for (const name of await readdir(this.dir)) if (ownerPid(name) === this.#pid) await rm(join(this.dir, name), { force: true });
      await rmdir(this.dir).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST' && error.code !== 'ENOENT') throw error;
      });
    } catch (error) {
      this.#logger.warn({ dir: this.dir, err: error }, 'could not clean the restore spool; the next restore deletes what is left');
    }
  }
}

function ownerPid(name: string): number | undefined {
  const match = /\.(\d{1,10})$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** `kill(pid, 0)` checks without signalling; EPERM means it exists under another user. */
function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
