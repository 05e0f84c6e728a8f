import { Option, type Command } from 'commander';
import { s3Settings } from '../config/settings.js';
import { exitCodeFor } from '../errors/exit-code-of.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { checkStateDir } from '../filecache/state-dir.js';
import { ProgressReporter } from '../output/progress-reporter.js';
import { parseOffsetRanges } from '../restore/offset-ranges.js';
import { includesOffsets, includesStreams, parseTimestamp, type RestoreScope, type RestoreWhat } from '../restore/restore-plan.js';
import { runRestore } from '../restore/restore-runner.js';
import { restoreSummaryText, restoreVerdict } from '../restore/restore-summary-text.js';
import { httpStreamTarget, s3StreamTarget, type StreamTarget } from '../restore/stream-targets.js';
import { createS3Client, S3ObjectStore } from '../storage/s3-object-store.js';
import { restoreBrokers, restoreTargetClients, restoreTuning } from './restore-target.js';
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
  const { config, logger, store, layout } = created.context;

  const configProblems: string[] = [];
  const withStreams = includesStreams(scope.what) && config.RESTORE_STREAM_TARGET !== 'none';
  if (withStreams && config.RESTORE_STREAM_TARGET === 'http' && config.RESTORE_STREAM_URL === '') {
    configProblems.push(
      'STREAMVAULT_RESTORE_STREAM_URL: expected the target stream service base URL when STREAMVAULT_RESTORE_STREAM_TARGET is http, got (empty); set STREAMVAULT_RESTORE_STREAM_TARGET=none or --what events to restore events only',
    );
  }
  if (withStreams && config.RESTORE_STREAM_TARGET === 's3' && config.RESTORE_STREAM_BUCKET === '') {
    configProblems.push('STREAMVAULT_RESTORE_STREAM_BUCKET: expected a bucket name when STREAMVAULT_RESTORE_STREAM_TARGET is s3, got (empty)');
  }
  if (configProblems.length > 0) {
    for (const p of configProblems) logger.error(p);
    cli.stderr.write(`streamvault: invalid configuration:\n${configProblems.map((p) => `  - ${p}`).join('\n')}\n`);
    return exitCodeFor('CONFIG_INVALID');
  }

  const stateDir = await checkStateDir(config.STATE_DIR);
  if (!stateDir.ok) {
    logger.error(stateDir.message);
    cli.stderr.write(`streamvault: ${stateDir.message}\n`);
    return exitCodeFor('STATE_DIR_UNUSABLE');
  }

  let streamTarget: StreamTarget | undefined;
  if (withStreams && config.RESTORE_STREAM_TARGET === 'http') {
    streamTarget = httpStreamTarget({ base: config.RESTORE_STREAM_URL, template: config.RESTORE_STREAM_URL_TEMPLATE, existsTemplate: config.RESTORE_STREAM_EXISTS_URL_TEMPLATE, timeoutMs: 15 * 60_000 });
  } else if (withStreams && config.RESTORE_STREAM_TARGET === 's3') {
    const targetStore = new S3ObjectStore(createS3Client(s3Settings(config)), config.RESTORE_STREAM_BUCKET);
    if (!flags.dryRun && !(await targetStore.bucketExists())) {
      const message = `STREAMVAULT_RESTORE_STREAM_BUCKET: expected an existing bucket, got ${config.RESTORE_STREAM_BUCKET} which does not exist (restore never creates buckets)`;
      logger.error(message);
      cli.stderr.write(`streamvault: ${message}\n`);
      return exitCodeFor('CONFIG_INVALID');
    }
    streamTarget = s3StreamTarget({ store: targetStore, keyTemplate: config.RESTORE_STREAM_KEY_TEMPLATE });
  }

  const brokers = restoreBrokers(config);
  // Without a terminal (a Kubernetes Job) progress goes to the log; a dry run prints its plan only.
  const progress = new ProgressReporter({
    mode: flags.json ? 'json' : flags.dryRun ? 'none' : cli.isTTY ? 'bar' : 'log',
    out: cli.stdout,
    intervalMs: Math.round(config.RESTORE_PROGRESS_SECONDS * 1000),
    logger,
    label: 'restore',
  });
  const outcome = await runRestore(
    {
      scope,
      dryRun: Boolean(flags.dryRun),
      checkMode: flags.quick ? 'last-batch' : 'every-batch',
      forceFull: Boolean(flags.full),
      skipExistingStreams: Boolean(flags.skipExistingStreams),
      topicTemplate: config.RESTORE_TOPIC_TEMPLATE,
      stateDir: stateDir.path,
      identity: {
        backup: `s3://${config.S3_BUCKET}/${layout.prefix}`,
        topicTemplate: config.RESTORE_TOPIC_TEMPLATE,
        streamTarget: streamTarget?.description ?? 'none',
        brokers,
      },
      preHook: config.RESTORE_PRE_HOOK,
      postHook: config.RESTORE_POST_HOOK,
      hookTimeoutMs: Math.round(config.RESTORE_HOOK_TIMEOUT_SECONDS * 1000),
      offsets: includesOffsets(scope.what),
      ...restoreTuning(config),
    },
    {
      store,
      layout,
      logger,
      ...restoreTargetClients(config, brokers, logger),
      streamTarget,
      progress,
      stdout: cli.stdout,
      json: Boolean(flags.json),
      env: cli.env,
      hookOutput: cli.stderr,
    },
  );
  if (outcome.kind === 'aborted' && outcome.exitCode === ExitCode.badConfiguration) cli.stderr.write(`streamvault restore: ${outcome.reason}\n`);
  const verdict = restoreVerdict(outcome);
  const fields = { outcome: verdict, exitCode: outcome.exitCode, ...(outcome.kind === 'aborted' ? { reason: outcome.reason } : {}) };
  if (verdict === 'dry-run') logger.info(fields, 'restore dry run finished');
  else if (verdict === 'restored') logger.info(fields, 'restore finished');
  else if (verdict === 'partial') logger.warn(fields, 'restore finished with errors');
  // One error line says why: the runner returns the reason of an abort instead of logging it.
  else logger.error(fields, outcome.kind === 'aborted' ? `restore aborted: ${outcome.reason}` : 'restore failed');
  if (!flags.json && !flags.dryRun) cli.stdout.write(restoreSummaryText(outcome, progress.status()));
  return outcome.exitCode;
}
