import type { Command } from 'commander';
import { runBackupApp } from '../app/backup-run.js';
import type { BackupRunOptions } from '../app/backup-watch.js';
import type { ExitCodeValue } from '../exit-codes.js';
import { createCommandContext, type CliEnvironment } from './command-context.js';

export function registerBackupCommand(program: Command, cli: CliEnvironment, setExit: (code: ExitCodeValue) => void): void {
  program
    .command('backup')
    .description('run the backup daemon: every configured source/event pair from Kafka into S3, with its streams')
    .option('--once', 'back up to the end offsets recorded at start, shut down in order and exit (for scheduled jobs)')
    .option('--json', 'with --once: JSON progress lines (message_type status/error/summary) on stdout')
    .action(async (options: BackupRunOptions) => setExit(await runBackup(cli, options)));
}

/** `streamvault backup`: the configuration read once, then the run (src/app/backup-run.ts). */
export async function runBackup(cli: CliEnvironment, options: BackupRunOptions = {}): Promise<ExitCodeValue> {
  const created = await createCommandContext(cli, { requireBucket: 'create-if-allowed' });
  if (!created.ok) return created.exitCode;
  return runBackupApp(cli, created.context, options);
}
