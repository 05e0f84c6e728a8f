import type { S3Client } from '@aws-sdk/client-s3';
import { withCleanup } from '../../helpers/cleanup.js';
import { spawnStreamvault } from '../../helpers/streamvault-process.js';
import { until } from '../../helpers/until.js';
import { readBackupIndependently, type FoundBackup } from './independent-backup-reader.js';

/**
 * Runs the backup daemon until `done(backup)` holds for what the bucket holds (read with the
 * suite's own reader), then stops it with SIGTERM. Resolves with the bucket's contents and the
 * daemon's exit code; a daemon that exits early resolves too (the caller counts it as a crash).
 * The wait is not `backup --once`: a --once that never exits would hang the scenario.
 */
export async function backupUntil(
  env: Record<string, string>,
  client: S3Client,
  bucket: string,
  done: (found: FoundBackup) => boolean,
  options: { timeoutMs?: number; prefix?: string } = {},
): Promise<{ found: FoundBackup; exitCode: number; completed: boolean }> {
  const daemon = withCleanup(spawnStreamvault(['backup'], env));
  let exitedEarly = false;
  void daemon.exited.then(() => (exitedEarly = true));
  let completed = false;
  try {
    await until(
      'the backup to hold what the scenario produced',
      async () => {
        if (exitedEarly) return 'exited';
        const found = await readBackupIndependently(client, bucket, options.prefix);
        if (done(found)) {
          completed = true;
          return 'done';
        }
        return undefined;
      },
      options.timeoutMs ?? 120_000,
      1_000,
    );
  } catch {
    // Not complete in time: the caller counts what is missing.
  }
  if (!exitedEarly) daemon.child.kill('SIGTERM');
  const exitCode = await daemon.exited;
  return { found: await readBackupIndependently(client, bucket, options.prefix), exitCode, completed };
}
