import { execFileSync } from 'node:child_process';
import { makeTempDir } from '../../helpers/temp-dir.js';

export interface Tmpfs {
  readonly dir: string;
  /** Changes the size (remount), e.g. to free the disk again. */
  resize(size: string): void;
  stop(): Promise<void>;
}

/**
 * A tmpfs of `size` (`48k`) mounted on a fresh directory, or the reason it cannot be (not root,
 * no mount permission in this container). Register `stop()` (unmount) with withCleanup.
 */
export function mountTmpfs(size: string, options: { readOnly?: boolean } = {}): Tmpfs | { unavailable: string } {
  const dir = makeTempDir('tmpfs-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}${options.readOnly ? ',ro' : ''}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    return { unavailable: `mount -t tmpfs failed (needs root and mount permission): ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}` };
  }
  return {
    dir,
    resize: (next) => void execFileSync('mount', ['-o', `remount,size=${next}`, dir], { stdio: 'pipe' }),
    stop: async () => {
      try {
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      } catch {
        // Already unmounted.
      }
    },
  };
}
