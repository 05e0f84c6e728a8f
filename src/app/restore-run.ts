import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Config } from '../config/load-config.js';
import { s3Settings } from '../config/settings.js';
import { runDrill } from '../drill/run-drill.js';
import { exitCodeFor } from '../errors/exit-code-of.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { checkStateDir } from '../filecache/state-dir.js';
import type { Logger } from '../observability/logger.js';
import { ProgressReporter } from '../output/progress-reporter.js';
import type { CheckMode } from '../restore/resume-decision.js';
import { includesOffsets, includesStreams, type RestoreScope } from '../restore/restore-plan.js';
import { runRestore } from '../restore/restore-runner.js';
import { restoreSummaryText, restoreVerdict } from '../restore/restore-summary-text.js';
import { httpStreamTarget, s3StreamTarget, type StreamTarget } from '../restore/stream-targets.js';
import type { KeyLayout } from '../storage/key-layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client, S3ObjectStore } from '../storage/s3-object-store.js';
import { VERSION } from '../version.js';
import { withResources, type ResourceStack } from '../lifecycle/resource-stack.js';
import { restoreBrokers, restoreTargetClients, restoreTuning } from './restore-target.js';

/** Where a run writes: stdout for the plan, progress and summary, stderr for refusals; `env` for the hooks. */
export interface RunIo {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly isTTY: boolean;
}

/** What the command made before the run: the configuration, read once, the logger and the backup's store. */
export interface RunContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: ObjectStore;
  readonly layout: KeyLayout;
}

/** The restore's flags, parsed and checked by the command. */
export interface RestoreRequest {
  readonly scope: RestoreScope;
  readonly dryRun: boolean;
  /** Progress as JSON lines on stdout. */
  readonly json: boolean;
  readonly checkMode: CheckMode;
  readonly forceFull: boolean;
  readonly skipExistingStreams: boolean;
}

/** The parts the run makes that talk to the outside and must be closed; fakes in unit tests. */
export interface RestoreParts {
  /** The S3 client of an `s3` stream target (STREAMVAULT_RESTORE_STREAM_BUCKET); destroyed with the run. */
  readonly streamTargetS3: (config: Config) => S3Client;
}

const realParts: RestoreParts = { streamTargetS3: (config) => createS3Client(s3Settings(config)) };

/** A refusal before anything is opened towards the target: its message, and the exit code it maps to. */
type Refusal = { readonly ok: false; readonly message: string; readonly exitCode: ExitCodeValue };

/**
 * One restore run, assembled in dependency order: the configuration's views (the stream target's
 * settings, the state directory), the stream target, the target cluster's clients and probe, the
 * progress reporter, then the runner (which registers the journal, the spool and the producer it
 * opens on the same list). What the run opens is closed from that one list, last first, however
 * the run ends: a refusal just returns.
 */
export async function runRestoreApp(io: RunIo, context: RunContext, request: RestoreRequest, parts: RestoreParts = realParts): Promise<ExitCodeValue> {
  const { config, logger, store, layout } = context;
  return withResources(logger, async (resources) => {
    const withStreams = includesStreams(request.scope.what) && config.RESTORE_STREAM_TARGET !== 'none';
    const configProblems = streamTargetProblems(config, withStreams);
    if (configProblems.length > 0) {
      for (const p of configProblems) logger.error(p);
      io.stderr.write(`streamvault: invalid configuration:\n${configProblems.map((p) => `  - ${p}`).join('\n')}\n`);
      return exitCodeFor('CONFIG_INVALID');
    }

    const stateDir = await checkStateDir(config.STATE_DIR);
    if (!stateDir.ok) return refuse(io, logger, { ok: false, message: stateDir.message, exitCode: exitCodeFor('STATE_DIR_UNUSABLE') });

    const streamTarget = withStreams ? await openStreamTarget(config, parts, resources, request.dryRun) : { ok: true as const, target: undefined };
    if (!streamTarget.ok) return refuse(io, logger, streamTarget);

    const brokers = restoreBrokers(config);
    // Without a terminal (a Kubernetes Job) progress goes to the log; a dry run prints its plan only.
    const progress = new ProgressReporter({
      mode: request.json ? 'json' : request.dryRun ? 'none' : io.isTTY ? 'bar' : 'log',
      out: io.stdout,
      intervalMs: Math.round(config.RESTORE_PROGRESS_SECONDS * 1000),
      logger,
      label: 'restore',
    });
    const outcome = await runRestore(
      {
        scope: request.scope,
        dryRun: request.dryRun,
        checkMode: request.checkMode,
        forceFull: request.forceFull,
        skipExistingStreams: request.skipExistingStreams,
        topicTemplate: config.RESTORE_TOPIC_TEMPLATE,
        stateDir: stateDir.path,
        identity: {
          backup: `s3://${config.S3_BUCKET}/${layout.prefix}`,
          topicTemplate: config.RESTORE_TOPIC_TEMPLATE,
          streamTarget: streamTarget.target?.description ?? 'none',
          brokers,
        },
        preHook: config.RESTORE_PRE_HOOK,
        postHook: config.RESTORE_POST_HOOK,
        hookTimeoutMs: Math.round(config.RESTORE_HOOK_TIMEOUT_SECONDS * 1000),
        offsets: includesOffsets(request.scope.what),
        ...restoreTuning(config),
      },
      {
        store,
        layout,
        logger,
        ...restoreTargetClients(config, brokers, logger),
        streamTarget: streamTarget.target,
        progress,
        stdout: io.stdout,
        json: request.json,
        env: io.env,
        hookOutput: io.stderr,
        resources,
      },
    );
    if (outcome.kind === 'aborted' && outcome.exitCode === ExitCode.badConfiguration) io.stderr.write(`streamvault restore: ${outcome.reason}\n`);
    const verdict = restoreVerdict(outcome);
    const fields = { outcome: verdict, exitCode: outcome.exitCode, ...(outcome.kind === 'aborted' ? { reason: outcome.reason } : {}) };
    if (verdict === 'dry-run') logger.info(fields, 'restore dry run finished');
    else if (verdict === 'restored') logger.info(fields, 'restore finished');
    else if (verdict === 'partial') logger.warn(fields, 'restore finished with errors');
    // One error line says why: the runner returns the reason of an abort instead of logging it.
    else logger.error(fields, outcome.kind === 'aborted' ? `restore aborted: ${outcome.reason}` : 'restore failed');
    if (!request.json && !request.dryRun) io.stdout.write(restoreSummaryText(outcome, progress.status()));
    return outcome.exitCode;
  });
}

function streamTargetProblems(config: Config, withStreams: boolean): string[] {
  const problems: string[] = [];
  if (withStreams && config.RESTORE_STREAM_TARGET === 'http' && config.RESTORE_STREAM_URL === '') {
    problems.push(
      'STREAMVAULT_RESTORE_STREAM_URL: expected the target stream service base URL when STREAMVAULT_RESTORE_STREAM_TARGET is http, got (empty); set STREAMVAULT_RESTORE_STREAM_TARGET=none or --what events to restore events only',
    );
  }
  if (withStreams && config.RESTORE_STREAM_TARGET === 's3' && config.RESTORE_STREAM_BUCKET === '') {
    problems.push('STREAMVAULT_RESTORE_STREAM_BUCKET: expected a bucket name when STREAMVAULT_RESTORE_STREAM_TARGET is s3, got (empty)');
  }
  return problems;
}

/** The stream target of STREAMVAULT_RESTORE_STREAM_TARGET (http or s3); its S3 client is closed with the run. */
async function openStreamTarget(config: Config, parts: RestoreParts, resources: ResourceStack, dryRun: boolean): Promise<{ ok: true; target: StreamTarget | undefined } | Refusal> {
  if (config.RESTORE_STREAM_TARGET === 'http') {
    return {
      ok: true,
      target: httpStreamTarget({ base: config.RESTORE_STREAM_URL, template: config.RESTORE_STREAM_URL_TEMPLATE, existsTemplate: config.RESTORE_STREAM_EXISTS_URL_TEMPLATE, timeoutMs: 15 * 60_000 }),
    };
  }
  if (config.RESTORE_STREAM_TARGET !== 's3') return { ok: true, target: undefined };
  const client = parts.streamTargetS3(config);
  resources.defer('stream target S3 client', () => client.destroy());
  const targetStore = new S3ObjectStore(client, config.RESTORE_STREAM_BUCKET);
  if (!dryRun && !(await targetStore.bucketExists())) {
    return {
      ok: false,
      message: `STREAMVAULT_RESTORE_STREAM_BUCKET: expected an existing bucket, got ${config.RESTORE_STREAM_BUCKET} which does not exist (restore never creates buckets)`,
      exitCode: exitCodeFor('CONFIG_INVALID'),
    };
  }
  return { ok: true, target: s3StreamTarget({ store: targetStore, keyTemplate: config.RESTORE_STREAM_KEY_TEMPLATE }) };
}

function refuse(io: RunIo, logger: Logger, refusal: Refusal): ExitCodeValue {
  logger.error(refusal.message);
  io.stderr.write(`streamvault: ${refusal.message}\n`);
  return refusal.exitCode;
}

/** The drill's flags, parsed and checked by the command. */
export interface DrillRequest {
  readonly drillId: string;
  readonly sources: readonly string[];
  readonly events: readonly string[];
  readonly sampleBatches: number | undefined;
  readonly topicPrefix: string;
  readonly keep: boolean;
  readonly maxDifferences: number;
  /** Where the JSON report goes; stdout when undefined. */
  readonly reportPath: string | undefined;
}

/**
 * One drill run: the state directory, the target cluster's clients and probe, then the drill
 * (which runs the restore into scratch topics and a scratch directory, compares, and cleans up),
 * then the report, written whole (temp file, rename).
 */
export async function runDrillApp(io: RunIo, context: RunContext, request: DrillRequest): Promise<ExitCodeValue> {
  const { config, logger, store, layout } = context;
  return withResources(logger, async () => {
    const stateDir = await checkStateDir(config.STATE_DIR);
    if (!stateDir.ok) return refuse(io, logger, { ok: false, message: stateDir.message, exitCode: exitCodeFor('STATE_DIR_UNUSABLE') });
    const brokers = restoreBrokers(config);
    const outcome = await runDrill(
      {
        drillId: request.drillId,
        sources: [...request.sources],
        events: [...request.events],
        sampleBatches: request.sampleBatches,
        topicPrefix: request.topicPrefix,
        workDir: join(stateDir.path, 'drill', request.drillId),
        keep: request.keep,
        maxDifferences: request.maxDifferences,
        readTimeoutMs: Math.round(config.RESTORE_SCAN_TIMEOUT_SECONDS * 1000),
        backupLocation: `s3://${config.S3_BUCKET}/${layout.prefix}`,
        brokers,
        toolVersion: VERSION,
        restore: restoreTuning(config),
      },
      {
        store,
        layout,
        logger,
        ...restoreTargetClients(config, brokers, logger),
        now: () => new Date(),
      },
    );
    const text = `${JSON.stringify(outcome.report, null, 2)}\n`;
    if (request.reportPath === undefined) io.stdout.write(text);
    else {
      await mkdir(dirname(request.reportPath), { recursive: true });
      await writeFile(`${request.reportPath}.partial`, text);
      await rename(`${request.reportPath}.partial`, request.reportPath);
      io.stderr.write(`streamvault drill: ${outcome.report.result}; report written to ${request.reportPath}\n`);
    }
    return outcome.exitCode;
  });
}
