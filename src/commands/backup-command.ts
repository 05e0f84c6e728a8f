import type { Command } from 'commander';
import { createBackupDaemon } from '../backup/create-backup-daemon.js';
import { manifestOnlyPipeline } from '../backup/stream-pipeline.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { checkStateDir } from '../filecache/state-dir.js';
import { createCommandContext, type CliEnvironment } from './command-context.js';
import { onShutdownSignals } from './shutdown-signals.js';

export function registerBackupCommand(program: Command, cli: CliEnvironment, setExit: (code: ExitCodeValue) => void): void {
  program
    .command('backup')
    .description('run the backup daemon: every configured source/event pair from Kafka into S3, with its streams')
    .action(async () => setExit(await runBackup(cli)));
}

export async function runBackup(cli: CliEnvironment): Promise<ExitCodeValue> {
  const created = await createCommandContext(cli, { requireBucket: 'create-if-allowed' });
  if (!created.ok) return created.exitCode;
  const { config, logger, store } = created.context;

  const stateDir = await checkStateDir(config.STATE_DIR);
  if (!stateDir.ok) {
    logger.error(stateDir.message);
    cli.stderr.write(`streamvault: ${stateDir.message}\n`);
    return ExitCode.stateDirUnusable;
  }

  const made = await createBackupDaemon(config, {
    logger,
    store,
    streams: manifestOnlyPipeline(),
    monotonicNow: () => performance.now(),
    wallNow: () => Date.now(),
  });
  if (made.kind === 'refused') {
    logger.error(made.message);
    cli.stderr.write(`streamvault: ${made.message}\n`);
    return made.exitCode;
  }
  const { daemon } = made;
  const detach = onShutdownSignals(logger, (signal) => daemon.requestStop({ kind: 'signal', signal }));
  try {
    return await daemon.run();
  } finally {
    detach();
  }
}
