import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Kafka } from 'kafkajs';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { withResources } from '../lifecycle/resource-stack.js';
import type { Logger } from '../observability/logger.js';
import { ProgressReporter } from '../output/progress-reporter.js';
import type { OffsetRange } from '../restore/offset-ranges.js';
import { buildRestorePlan, type PlannedPartition, type RestoreScope } from '../restore/restore-plan.js';
import { renderTopic, runRestore, type RestoreDeps, type RestoreTuning } from '../restore/restore-runner.js';
import { directoryStreamTarget } from '../restore/stream-targets.js';
import { describeTargetCluster } from '../restore/target-topics.js';
import type { KeyLayout } from '../storage/key-layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import { readRepositoryConfig } from '../storage/repository-config.js';
import { compareBlobs } from './blob-comparison.js';
import { DifferenceList } from './drill-difference.js';
import { sealReport } from './drill-report.js';
import { readExpectedRecords } from './expected-records.js';
import { RecordComparison } from './record-comparison.js';
import { sampleRanges } from './sample-ranges.js';
import { readScratchTopics } from './scratch-topic-reader.js';

export interface DrillOptions {
  readonly drillId: string;
  readonly sources: readonly string[];
  readonly events: readonly string[];
  /** Batches per partition (sample-ranges.ts); `undefined`: the whole backup. */
  readonly sampleBatches: number | undefined;
  /** Scratch topic of an original topic: `{topicPrefix}{topic}`. */
  readonly topicPrefix: string;
  /** The drill's own directory (restore cursors, spool, scratch streams); removed afterwards unless `keep`. */
  readonly workDir: string;
  /** Keep the scratch topics and directory (to look at them); by default both are deleted. */
  readonly keep: boolean;
  /** Differences listed in the report; all are counted. */
  readonly maxDifferences: number;
  readonly readTimeoutMs: number;
  /** `s3://bucket/prefix`, for the report and the restore's cursor identity. */
  readonly backupLocation: string;
  readonly brokers: readonly string[];
  readonly toolVersion: string;
  /** What `runRestore` takes that a drill does not decide itself (from the restore's configuration). */
  readonly restore: RestoreTuning;
}

export interface DrillDeps {
  readonly store: ObjectStore;
  readonly layout: KeyLayout;
  readonly logger: Logger;
  readonly targetKafka: () => Kafka;
  /** The bounded probe of the target brokers, before anything is written (restore's reachTarget). */
  readonly reachTarget: RestoreDeps['reachTarget'];
  readonly now: () => Date;
}

export interface DrillOutcome {
  readonly exitCode: ExitCodeValue;
  readonly report: Record<string, unknown> & { report_sha256: string };
}

/**
 * A restore drill: the backup (or a sample of its batches) restored by the restore itself
 * (runRestore, hooks off) into scratch topics `{prefix}{topic}` and a scratch stream directory,
 * then every restored record and blob compared with the backup, read on its own. Exit 4 when
 * anything differs, else the restore's own exit code.
 */
export async function runDrill(options: DrillOptions, deps: DrillDeps): Promise<DrillOutcome> {
  const { logger } = deps;
  const startedAt = deps.now();
  const repository = await readRepositoryConfig(deps.store, deps.layout);
  const baseScope: RestoreScope = { sources: options.sources, events: options.events, what: 'both', sinceMs: undefined, untilMs: undefined };
  let ranges: OffsetRange[] = [];
  if (options.sampleBatches !== undefined) {
    const whole = await buildRestorePlan(deps.store, deps.layout, baseScope, { concurrency: 16 });
    ranges = sampleRanges(whole.partitions, options.sampleBatches);
  }
  const scope: RestoreScope = { ...baseScope, offsetRanges: ranges };
  const plan = await buildRestorePlan(deps.store, deps.layout, scope, { concurrency: 16 });
  const topicTemplate = `${options.topicPrefix}{topic}`;
  const targetTopicOf = (p: Pick<PlannedPartition, 'topic' | 'source' | 'event'>) => renderTopic(topicTemplate, p);
  const scratchTopics = [...new Set(plan.partitions.map(targetTopicOf))].sort();
  const streamDir = join(options.workDir, 'streams');
  const streamTarget = directoryStreamTarget({ dir: streamDir });
  logger.info({ drill: options.drillId, topics: scratchTopics, streamDir, sampleBatches: options.sampleBatches ?? null }, 'drill: restoring into scratch topics');

  const restoreLog = new RestoreLog(options.maxDifferences);
  const restoreStarted = deps.now();
  // The restore's journal, spool and producer are closed as soon as it ends: the comparison reads
  // the scratch directory, and the clean-up deletes it.
  const restored = await withResources(logger, (resources) =>
    runRestore(
      {
        ...options.restore,
        scope,
        dryRun: false,
        checkMode: 'every-batch',
        forceFull: false,
        skipExistingStreams: false,
        topicTemplate,
        stateDir: options.workDir,
        identity: { backup: options.backupLocation, topicTemplate, streamTarget: streamTarget.description, brokers: options.brokers },
        // The configured hooks are for restores into the platform (stop it, start it again); a drill
        // writes only to its scratch target and must not run them.
        preHook: '',
        postHook: '',
        hookTimeoutMs: 0,
        // Scratch topics have no consumers: group offsets are the platform restore's business.
        offsets: false,
      },
      {
        store: deps.store,
        layout: deps.layout,
        logger,
        targetKafka: deps.targetKafka,
        reachTarget: deps.reachTarget,
        streamTarget,
        progress: new ProgressReporter({ mode: 'json', out: restoreLog.stream, intervalMs: 3_600_000 }),
        stdout: restoreLog.stream,
        json: true,
        env: {},
        hookOutput: restoreLog.stream,
        resources,
      },
    ),
  );
  const restoreFinished = deps.now();

  const differences = new DifferenceList(options.maxDifferences);
  for (const problem of plan.problems) differences.add({ kind: 'manifest-unreadable', key: problem.key, reason: problem.reason });
  const expected = await readExpectedRecords(deps.store, plan.partitions, ranges);
  for (const u of expected.unreadable) differences.add({ kind: 'backup-object-unreadable', key: u.key, reason: u.reason });
  const comparison = new RecordComparison(expected.partitions, targetTopicOf, differences);
  const kafka = deps.targetKafka();
  const existing = await existingTopics(kafka, scratchTopics);
  await readScratchTopics(kafka, existing, (r) => comparison.visit(r), { timeoutMs: options.readTimeoutMs });
  const records = comparison.finish();
  const blobs = await compareBlobs(plan.streams, streamDir, differences);
  const compareFinished = deps.now();

  const cleanup = options.keep ? { topics_deleted: false, work_dir_removed: false, note: '--keep given' } : await cleanUp(kafka, existing, options.workDir, logger);

  const exitCode: ExitCodeValue = differences.total > 0 ? ExitCode.partial : restored.exitCode;
  const finishedAt = deps.now();
  const report = sealReport({
    format: 'streamvault-drill-report',
    report_version: 1,
    drill_id: options.drillId,
    result: exitCode === ExitCode.ok ? 'passed' : 'failed',
    exit_code: exitCode,
    tool_version: options.toolVersion,
    backup: {
      location: options.backupLocation,
      format: repository.kind === 'present' ? repository.config.format : null,
      format_version: repository.kind === 'present' ? repository.config.version : null,
      key_layout: repository.kind === 'present' ? repository.config.settings.keyLayout : null,
      repository_config: repository.kind,
    },
    scope: {
      sources: options.sources,
      events: options.events,
      sample_batches_per_partition: options.sampleBatches ?? null,
      offset_ranges: ranges.map((r) => ({ topic: r.topic, partition: r.partition, from: r.from.toString(), to: r.to.toString() })),
    },
    target: { topic_prefix: options.topicPrefix, topics: scratchTopics, stream_dir: streamDir, brokers: options.brokers },
    started_at: startedAt.toISOString(),
    finished_at: finishedAt.toISOString(),
    seconds: {
      restore: seconds(restoreStarted, restoreFinished),
      compare: seconds(restoreFinished, compareFinished),
      total: seconds(startedAt, finishedAt),
    },
    restore: { outcome: restored.kind, exit_code: restored.exitCode, ...(restored.kind === 'aborted' ? { reason: restored.reason } : {}), summary: restoreLog.summary ?? null, errors: restoreLog.errors },
    records: { ...records.counts, partitions: records.partitions },
    blobs,
    differences: differences.toJSON(),
    cleanup,
  });
  logger.info({ drill: options.drillId, result: report.result, differences: differences.total, exitCode }, 'drill finished');
  return { exitCode, report };
}

const seconds = (from: Date, to: Date) => Math.round(to.getTime() - from.getTime()) / 1000;

async function existingTopics(kafka: Kafka, topics: readonly string[]): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const listed = new Set(await admin.listTopics());
    return topics.filter((t) => listed.has(t));
  } finally {
    await admin.disconnect();
  }
}

async function cleanUp(kafka: Kafka, topics: readonly string[], workDir: string, logger: Logger): Promise<{ topics_deleted: boolean; work_dir_removed: boolean; note: string }> {
  let deleted = false;
  let note = '';
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await describeTargetCluster(admin);
    if (!cluster.controllerIsBroker) note = 'the target cluster takes no controller requests (deleteTopics): scratch topics left in place';
    else if (topics.length > 0) {
      await admin.deleteTopics({ topics: [...topics] });
      deleted = true;
    }
  } catch (error) {
    note = `deleting the scratch topics failed: ${(error as Error).message}`;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  if (note !== '') logger.warn({ topics }, note);
  await rm(workDir, { recursive: true, force: true });
  return { topics_deleted: deleted, work_dir_removed: true, note };
}

/** The restore's JSON progress lines, kept for the report: its error lines (the first N) and its summary. */
class RestoreLog {
  readonly errors: Array<{ item: string; error: string; during: string }> = [];
  summary: Record<string, unknown> | undefined;
  readonly stream: Writable;
  #rest = '';

  constructor(limit: number) {
    this.stream = new Writable({
      write: (chunk: Buffer | string, _encoding, callback) => {
        const lines = (this.#rest + chunk.toString()).split('\n');
        this.#rest = lines.pop() ?? '';
        for (const text of lines) {
          if (!text.startsWith('{')) continue;
          const message = JSON.parse(text) as Record<string, unknown>;
          if (message.message_type === 'error' && this.errors.length < limit) {
            this.errors.push({ item: String(message.item), error: String(message.error), during: String(message.during) });
          } else if (message.message_type === 'summary') this.summary = message;
        }
        callback();
      },
    });
  }
}
