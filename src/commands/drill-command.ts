import { exitCodeFor } from '../errors/exit-code-of.js';
import type { Command } from 'commander';
import { runDrillApp } from '../app/restore-run.js';
import type { ExitCodeValue } from '../exit-codes.js';
import { createCommandContext, type CliEnvironment } from './command-context.js';

interface DrillFlags {
  source?: string[];
  event?: string[];
  sample?: string;
  topicPrefix?: string;
  report?: string;
  maxDifferences: string;
  keep?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];

/** `20261202T010203Z`: sortable, and only characters a Kafka topic name may hold. */
const stamp = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z').replaceAll('-', '').replaceAll(':', '');

export function registerDrillCommand(program: Command, cli: CliEnvironment, setExit: (code: ExitCodeValue) => void): void {
  program
    .command('drill')
    .description('restore drill: restore the backup (or a sample) into scratch topics and a scratch stream directory, compare every record and blob with the backup, write a JSON report; exit 4 on any difference')
    .option('--source <source>', 'only these sources (repeatable or comma-separated); default: all in the backup', collect)
    .option('--event <event>', 'only these event types (repeatable or comma-separated); default: all', collect)
    .option('--sample <batches>', 'drill N backup batches per partition, spread evenly from the first to the last, instead of the whole backup')
    .option('--topic-prefix <prefix>', 'scratch topic of each original topic: <prefix><topic> (default drill-<UTC time>-)')
    .option('--report <path>', 'write the JSON report to this file (default: stdout)')
    .option('--max-differences <n>', 'differences (and restore errors) listed in the report; all are counted', '100')
    .option('--keep', 'keep the scratch topics and the scratch directory under the state directory (default: deleted after the comparison)')
    .action(async (flags: DrillFlags) => setExit(await runDrillCommand(cli, flags)));
}

export async function runDrillCommand(cli: CliEnvironment, flags: DrillFlags): Promise<ExitCodeValue> {
  const startedAt = new Date();
  const drillId = `drill-${stamp(startedAt)}`;
  const problems: string[] = [];
  const positive = (flag: string, raw: string | undefined) => {
    if (raw === undefined) return undefined;
    if (!/^\d{1,9}$/.test(raw.trim()) || Number(raw) < 1) {
      problems.push(`${flag}: expected a whole number from 1 up, got ${JSON.stringify(raw)}`);
      return undefined;
    }
    return Number(raw);
  };
  const sample = positive('--sample', flags.sample);
  const maxDifferences = positive('--max-differences', flags.maxDifferences) ?? 100;
  const topicPrefix = flags.topicPrefix ?? `${drillId}-`;
  // An empty prefix would restore into the original topics, which is what a drill must never touch.
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(topicPrefix)) {
    problems.push(`--topic-prefix: expected 1 to 200 of the characters a Kafka topic name may hold (A-Z a-z 0-9 . _ -), got ${JSON.stringify(topicPrefix)}`);
  }
  if (problems.length > 0) {
    cli.stderr.write(`streamvault drill: invalid arguments:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return exitCodeFor('CONFIG_INVALID');
  }

  const created = await createCommandContext(cli, { requireBucket: 'backup' });
  if (!created.ok) return created.exitCode;
  return runDrillApp(cli, created.context, {
    drillId,
    sources: flags.source ?? [],
    events: flags.event ?? [],
    sampleBatches: sample,
    topicPrefix,
    keep: Boolean(flags.keep),
    maxDifferences,
    reportPath: flags.report,
  });
}
