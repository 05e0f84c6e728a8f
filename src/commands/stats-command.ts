import type { Command } from 'commander';
import { exitCodeOf, exitCodeOfCompletion } from '../errors/exit-code-of.js';
import type { ExitCodeValue } from '../exit-codes.js';
import { computeBackupStats, formatBackupStats } from '../verify/backup-stats.js';
import { toJsonSafe } from '../verify/get-events.js';
import { createCommandContext, type CliEnvironment } from './command-context.js';

export function registerStatsCommand(program: Command, cli: CliEnvironment, setExit: (code: ExitCodeValue) => void): void {
  program
    .command('stats')
    .description('summarise the backup from its manifests: per pair batches, events, bytes, first and last event; streams and what dedup saved; compression ratios; retention gaps')
    .option('--json', 'one JSON document on stdout')
    .action(async (options: { json?: boolean }) => setExit(await runStats(cli, options.json === true)));
}

export async function runStats(cli: CliEnvironment, json: boolean): Promise<ExitCodeValue> {
  const created = await createCommandContext(cli, { requireBucket: 'backup' });
  if (!created.ok) return created.exitCode;
  const { logger, store, layout } = created.context;
  try {
    const stats = await computeBackupStats({ store, layout });
    cli.stdout.write(json ? `${JSON.stringify(stats, (_key, value: unknown) => (typeof value === 'bigint' ? toJsonSafe(value) : value), 1)}\n` : `${formatBackupStats(stats)}\n`);
    // Unreadable manifests are damage; `verify` says more.
    // Retention gaps are not damage (the backup holds all the source still had); they are listed.
    return exitCodeOfCompletion(stats.problems.length + stats.retentionGapProblems.length);
  } catch (error) {
    logger.error({ err: error }, 'stats failed');
    cli.stderr.write(`streamvault: stats failed: ${(error as Error).message}\n`);
    return exitCodeOf(error);
  }
}
