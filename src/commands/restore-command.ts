import { exitCodeFor } from '../errors/exit-code-of.js';
import { Option, type Command } from 'commander';
import { runRestoreApp } from '../app/restore-run.js';
import type { ExitCodeValue } from '../exit-codes.js';
import { parseOffsetRanges } from '../restore/offset-ranges.js';
import { parseTimestamp, type RestoreScope, type RestoreWhat } from '../restore/restore-plan.js';
import { createCommandContext, type CliEnvironment } from './command-context.js';

interface RestoreFlags {
  source?: string[];
  event?: string[];
  what: RestoreWhat;
  since?: string;
  until?: string;
  dryRun?: boolean;
  json?: boolean;
  quick?: boolean;
  full?: boolean;
  skipExistingStreams?: boolean;
  partition?: string[];
  fromOffset?: string[];
  toOffset?: string[];
}

const repeat = (value: string, previous: string[] = []) => [...previous, value];
const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];

export function registerRestoreCommand(program: Command, cli: CliEnvironment, setExit: (code: ExitCodeValue) => void): void {
  program
    .command('restore')
    .description('restore from the backup: streams first, then events, exactly once, resumable and incremental, then consumer-group offsets translated exactly')
    .option('--source <source>', 'only these sources (repeatable or comma-separated); default: all in the backup', collect)
    .option('--event <event>', 'only these event types (repeatable or comma-separated); default: all', collect)
    .addOption(
      new Option('--what <what>', 'what to restore: both = streams, events, then consumer-group offsets; offsets = only the offsets (the events must be in the target already)')
        .choices(['events', 'streams', 'offsets', 'both'])
        .default('both'),
    )
    .option('--since <time>', 'only events with a record timestamp at or after this UTC time (ISO 8601 with Z, date, or epoch ms)')
    .option('--until <time>', 'only events with a record timestamp at or before this UTC time; streams as referenced by them; consumer-group offsets from the latest snapshot taken at or before it')
    .option('--partition <topic:p>', 'only this original partition, with the --from-offset and --to-offset given in the same position (repeatable)', repeat)
    .option('--from-offset <offset>', 'first original offset restored of the matching --partition (inclusive)', repeat)
    .option('--to-offset <offset>', 'last original offset restored of the matching --partition (inclusive)', repeat)
    .option('--dry-run', 'print what would be restored (per pair: batches, events, bytes; streams and bytes; the consumer-group offset translation table; retention gaps in scope) and write nothing')
    .option('--json', 'progress as JSON lines on stdout (status, error, summary); logs stay on stderr')
    .option('--quick', 'incremental check of only the last restored batch per partition instead of every one')
    .option('--full', 'ignore the record of earlier restores; read the whole target and restore what it lacks')
    .option('--skip-existing-streams', 'ask the stream target first and skip streams it already has')
    .action(async (flags: RestoreFlags) => setExit(await runRestoreCommand(cli, flags)));
}

export async function runRestoreCommand(cli: CliEnvironment, flags: RestoreFlags): Promise<ExitCodeValue> {
  const problems: string[] = [];
  const since = flags.since === undefined ? undefined : parseTimestamp('--since', flags.since);
  const until = flags.until === undefined ? undefined : parseTimestamp('--until', flags.until);
  for (const t of [since, until]) if (t && !t.ok) problems.push(t.message);
  const ranges = parseOffsetRanges({ partitions: flags.partition ?? [], fromOffsets: flags.fromOffset ?? [], toOffsets: flags.toOffset ?? [] });
  if (!ranges.ok) problems.push(...ranges.problems);
  if (flags.quick && flags.full) problems.push('--quick and --full: expected at most one of them, got both');
  const scope: RestoreScope = {
    sources: flags.source ?? [],
    events: flags.event ?? [],
    what: flags.what,
    sinceMs: since?.ok ? since.ms : undefined,
    untilMs: until?.ok ? until.ms : undefined,
    offsetRanges: ranges.ok ? ranges.ranges : [],
  };
  if (scope.sinceMs !== undefined && scope.untilMs !== undefined && scope.sinceMs > scope.untilMs) {
    problems.push(`--since/--until: expected since <= until, got ${flags.since} > ${flags.until}`);
  }
  if (problems.length > 0) {
    cli.stderr.write(`streamvault restore: invalid arguments:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return exitCodeFor('CONFIG_INVALID');
  }

  // Restore reads the backup and never creates buckets: a missing one is exit 3.
  const created = await createCommandContext(cli, { requireBucket: 'backup' });
  if (!created.ok) return created.exitCode;
  return runRestoreApp(cli, created.context, {
    scope,
    dryRun: Boolean(flags.dryRun),
    json: Boolean(flags.json),
    checkMode: flags.quick ? 'last-batch' : 'every-batch',
    forceFull: Boolean(flags.full),
    skipExistingStreams: Boolean(flags.skipExistingStreams),
  });
}
