import { hostname } from 'node:os';
import type { Command } from 'commander';
import { exitCodeOf, exitCodeOfCompletion } from '../errors/exit-code-of.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { formatBytes } from '../output/format-bytes.js';
import { carryOutPrune, parseRetention, planPrune, type PrunePlan } from '../prune/prune.js';
import { acquirePruneLock, LocationLockedError, type HeldLock } from '../storage/location-locks.js';
import { createCommandContext, refuse, type CliEnvironment } from './command-context.js';

export function registerPruneCommand(program: Command, cli: CliEnvironment, setExit: (code: ExitCodeValue) => void): void {
  program
    .command('prune')
    .description(
      'delete batches (events object + manifest) whose newest event is older than --keep-within, then the streams and missing-stream markers no kept batch references, and offset snapshots older than the window (each topic keeps its newest one before it). Takes the location lock: refuses (exit 8) while another prune or a backup daemon holds a fresh lock',
    )
    .requiredOption('--keep-within <duration>', 'keep batches with an event newer than this: a number and s|m|h|d|w (30d, 12h)')
    .option('--dry-run', 'print what would be deleted and the bytes it would free; delete nothing')
    .option('--json', 'the plan as one JSON document on stdout')
    .action(async (options: { keepWithin: string; dryRun?: boolean; json?: boolean }) => setExit(await runPrune(cli, options)));
}

export async function runPrune(cli: CliEnvironment, options: { keepWithin: string; dryRun?: boolean; json?: boolean }): Promise<ExitCodeValue> {
  const windowMs = parseRetention(options.keepWithin);
  if (windowMs === undefined) {
    return refuse(cli, `--keep-within: expected a positive number followed by s, m, h, d or w (e.g. 30d), got ${JSON.stringify(options.keepWithin)}`, 'CONFIG_INVALID');
  }
  const created = await createCommandContext(cli, { requireBucket: 'backup' });
  if (!created.ok) return created.exitCode;
  const { logger, store, layout } = created.context;
  let lock: HeldLock | undefined;
  try {
    const versioning = store.bucketVersioning ? await store.bucketVersioning().catch(() => undefined) : undefined;
    if (versioning === 'Enabled' || versioning === 'Suspended') {
      const message = `bucket ${store.bucket} has versioning ${versioning}: prune's deletes only add delete markers, the data stays as noncurrent versions (and is billed) until a lifecycle rule expires them (NoncurrentVersionExpiration; see the README, Retention and pruning)`;
      logger.warn({ bucket: store.bucket, versioning }, message);
      cli.stderr.write(`streamvault: warning: ${message}\n`);
    }
    if (!options.dryRun) {
      lock = await acquirePruneLock(store, layout, { now: () => new Date(), host: hostname(), pid: process.pid }, (error) =>
        logger.warn({ err: error }, 'could not refresh the prune lock; another prune may take it over once it is stale'),
      );
    }
    const plan = await planPrune(store, layout, new Date(Date.now() - windowMs));
    cli.stdout.write(options.json ? `${JSON.stringify(planJson(plan, options.dryRun === true), null, 1)}\n` : formatPlan(plan, options.dryRun === true));
    if (plan.problems.length > 0) {
      cli.stderr.write(`streamvault: prune deleted nothing: ${plan.problems.length} manifest(s) could not be read, so the streams they reference are unknown (first: ${plan.problems[0]!.reason}); run streamvault verify\n`);
      return exitCodeOfCompletion(plan.problems.length);
    }
    if (!options.dryRun) {
      await carryOutPrune(store, plan, { beforeSweep: () => lock!.check() });
      logger.info({ batches: plan.batches.length, streams: plan.streams.length, bytes: plan.bytes, cutoff: plan.cutoff.toISOString() }, 'prune done');
    }
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof LocationLockedError) {
      logger.error({ key: error.key, holder: error.record }, error.message);
      cli.stderr.write(`streamvault: prune refused: ${error.message}\n`);
    } else {
      logger.error({ err: error }, 'prune failed');
      cli.stderr.write(`streamvault: prune failed: ${(error as Error).message}\n`);
    }
    return exitCodeOf(error);
  } finally {
    await lock?.release().catch((error: unknown) => logger.warn({ err: error }, 'could not delete the prune lock; it goes stale on its own'));
  }
}

function planJson(plan: PrunePlan, dryRun: boolean) {
  return {
    dryRun,
    cutoff: plan.cutoff.toISOString(),
    keptBatches: plan.keptBatches,
    bytes: plan.bytes,
    deleted: { batches: plan.batches, streams: plan.streams, missingMarkers: plan.missingMarkers, offsetSnapshots: plan.offsetSnapshots },
    problems: plan.problems,
  };
}

function formatPlan(plan: PrunePlan, dryRun: boolean): string {
  const verb = dryRun ? 'would delete' : 'deleting';
  const lines = [
    `prune: batches whose newest event is before ${plan.cutoff.toISOString()}; ${plan.keptBatches} batch(es) kept`,
    ...[...plan.batches, ...plan.streams, ...plan.missingMarkers, ...plan.offsetSnapshots].map((d) => `  ${verb} ${d.key} (${d.bytes} bytes)`),
    `${dryRun ? 'would free' : 'freed'} ${formatBytes(plan.bytes)} (${plan.bytes} bytes): ${plan.batches.filter((d) => d.key.endsWith('.json')).length} batch(es), ${plan.streams.length} stream(s), ${plan.missingMarkers.length} missing-stream marker(s), ${plan.offsetSnapshots.length} offset snapshot(s)${dryRun ? '; nothing was deleted (--dry-run)' : ''}`,
  ];
  return `${lines.join('\n')}\n`;
}
