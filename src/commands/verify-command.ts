import type { Command } from 'commander';
import { exitCodeOf, exitCodeOfCompletion } from '../errors/exit-code-of.js';
import type { ExitCodeValue } from '../exit-codes.js';
import { ProgressReporter } from '../output/progress-reporter.js';
import { describeSubset, parseDataSubset, type DataSubset } from '../verify/data-subset.js';
import { verifyBackup } from '../verify/verify-backup.js';
import { describeRetentionGap, retentionGapJson } from '../storage/retention-gap.js';
import { createCommandContext, refuse, type CliEnvironment } from './command-context.js';

interface VerifyCommandOptions {
  readData?: boolean;
  readDataSubset?: string;
  json?: boolean;
}

/** Progress status lines while verifying, milliseconds. */
const STATUS_INTERVAL_MS = 1000;

export function registerVerifyCommand(program: Command, cli: CliEnvironment, setExit: (code: ExitCodeValue) => void): void {
  program
    .command('verify')
    .description(
      'check the backup is restorable: every object its manifests name exists with its recorded size, every referenced stream exists; exit 4 if anything is missing or damaged; retention gaps (records that expired at the source before they were backed up) are warnings, exit status unaffected',
    )
    .option('--read-data', 'also download everything: sha256 of each object, its records against its manifest, each blob against its name')
    .option('--read-data-subset <subset>', 'download only a part: n/t (1/t..t/t together cover everything once) or x% (a random sample)')
    .option('--json', 'JSON progress lines and summary on stdout (message_type status/error/summary)')
    .action(async (options: VerifyCommandOptions) => setExit(await runVerify(cli, options)));
}

export async function runVerify(cli: CliEnvironment, options: VerifyCommandOptions): Promise<ExitCodeValue> {
  let subset: DataSubset = { kind: 'all' };
  if (options.readDataSubset !== undefined) {
    const parsed = parseDataSubset(options.readDataSubset);
    if (!parsed.ok) {
      return refuse(cli, `--read-data-subset: ${parsed.message}`, 'CONFIG_INVALID');
    }
    subset = parsed.subset;
  }
  const readData = options.readData === true || options.readDataSubset !== undefined;

  const created = await createCommandContext(cli, { requireBucket: 'backup' });
  if (!created.ok) return created.exitCode;
  const { logger, store, layout } = created.context;

  const reporter = new ProgressReporter({
    mode: options.json ? 'json' : cli.isTTY ? 'bar' : 'none',
    out: cli.stdout,
    intervalMs: STATUS_INTERVAL_MS,
  });
  let report;
  try {
    report = await verifyBackup({ store, layout, progress: reporter }, { readData, subset });
  } catch (error) {
    reporter.finish({ failed: (error as Error).message });
    logger.error({ err: error }, 'verify could not run');
    cli.stderr.write(`streamvault: verify could not run: ${(error as Error).message}\n`);
    return exitCodeOf(error);
  }
  const code = exitCodeOfCompletion(report.errors.length);
  reporter.finish({
    mode: readData ? `read-data (${describeSubset(subset)})` : 'structure',
    manifests: report.manifests,
    objects: report.objects,
    streams: report.streams,
    objects_read: report.read.length,
    bytes_read: report.bytesRead,
    missing: report.missing,
    corrupt: report.corrupt,
    unavailable_at_source: report.unavailableAtSource,
    retention_gaps: report.retentionGaps.map(retentionGapJson),
    errors: report.errors.map((e) => ({ key: e.key, kind: e.kind, message: e.message })),
    exit_code: code,
  });
  if (!options.json) {
    const lines = [
      `verify (${readData ? `read-data, ${describeSubset(subset)}` : 'structure'}): ${report.manifests} manifests, ${report.objects} objects, ` +
        `${report.streams} streams; ${report.read.length} objects read (${report.bytesRead} bytes); ${report.errors.length} errors` +
        (report.unavailableAtSource.length > 0 ? `; ${report.unavailableAtSource.length} streams unavailable at the source` : '') +
        (report.retentionGaps.length > 0 ? `; ${report.retentionGaps.length} retention gaps` : ''),
      ...report.missing.map((key) => `missing: ${key}`),
      ...report.corrupt.map((key) => `corrupt: ${key}`),
      ...report.errors.map((e) => `  ${e.kind}: ${e.message}`),
      ...report.unavailableAtSource.map((sha) => `warning: stream ${sha} was unavailable at the source (streams-missing marker); not in the backup, not damage`),
      ...report.retentionGaps.map((g) => `warning: retention gap: ${describeRetentionGap(g)}; not in the backup, not damage`),
    ];
    cli.stdout.write(`${lines.join('\n')}\n`);
  }
  if (report.unavailableAtSource.length > 0) {
    logger.warn({ unavailableAtSource: report.unavailableAtSource.length }, 'referenced streams were unavailable at the source (recorded by the daemon); exit status unaffected');
  }
  if (report.retentionGaps.length > 0) {
    logger.warn({ retentionGaps: report.retentionGaps.length }, 'the backup records retention gaps (records expired at the source before they were backed up); exit status unaffected');
  }
  logger.info({ errors: report.errors.length, missing: report.missing.length, corrupt: report.corrupt.length }, 'verify done');
  return code;
}
