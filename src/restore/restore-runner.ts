import { join } from 'node:path';
import type { BrokerReach } from '../kafka/reach-brokers.js';
import type { Kafka } from 'kafkajs';
import type { ErrorCode } from '../errors/error-codes.js';
import type { ResourceStack } from '../lifecycle/resource-stack.js';
import { exitCodeOf, exitCodeOfCompletion, exitCodeOfRestore } from '../errors/exit-code-of.js';
import { StreamvaultError } from '../errors/streamvault-error.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { Logger } from '../observability/logger.js';
import { progressEndOf, type ProgressReporter } from '../output/progress-reporter.js';
import { writeRestorePlan } from '../output/restore-plan-output.js';
import type { KeyLayout } from '../storage/key-layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import { readTopicRecord, type TopicRecord } from '../storage/topic-record.js';
import { batchNeedsRestore, restoreEvents, type EventRestoreResult } from './event-restorer.js';
import { applyGroupOffsets, translateGroupOffsets, translationTableJson, translationTableText, type ApplyResult, type GroupOffsetsPlan } from './group-offsets.js';
import { runHook } from './hooks.js';
import { decideResume, partitionId, type CheckMode, type ResumeDecision } from './resume-decision.js';
import { buildRestorePlan, includesEvents, includesStreams, planTotals, type PlannedPartition, type PlanTotals, type RestorePlan, type RestoreScope } from './restore-plan.js';
import { RestoreJournal, type TargetIdentity } from './restore-journal.js';
import type { PairOrder } from '../config/pair-order.js';
import { Spool } from './spool.js';
import { restoreStreams, type StreamRestoreResult } from './stream-restorer.js';
import type { StreamTarget } from './stream-targets.js';
import { TargetReader } from './target-scan.js';
import { Throttle } from './throttle.js';
import {
  describeTargetCluster,
  ensureTargetTopics,
  existingPartitionCounts,
  planTargetTopics,
  type FewerPartitionsPolicy,
  type TargetClusterInfo,
  type TargetTopicSpec,
} from './target-topics.js';

export interface RestoreOptions {
  readonly scope: RestoreScope;
  readonly dryRun: boolean;
  readonly checkMode: CheckMode;
  readonly forceFull: boolean;
  readonly skipExistingStreams: boolean;
  readonly topicTemplate: string;
  readonly concurrency: number;
  readonly pairOrder: PairOrder;
  readonly produceBatchEvents: number;
  readonly produceBatchBytes: number;
  readonly eventsPerSecond: number;
  readonly bytesPerSecond: number;
  readonly streamRetries: number;
  readonly scanTimeoutMs: number;
  readonly stateDir: string;
  readonly identity: TargetIdentity;
  readonly preHook: string;
  readonly postHook: string;
  readonly hookTimeoutMs: number;
  /** `auto`: on when the target cluster can take controller requests (describeTargetCluster). */
  readonly createTopics: ClusterFeatureSetting;
  readonly idempotentProducer: ClusterFeatureSetting;
  readonly replicationFactor: number;
  readonly fewerPartitions: FewerPartitionsPolicy;
  /**
   * Whether consumer-group offsets are translated into the target after the events (group-offsets.ts):
   * `--what both` and `--what offsets`; the drill never (its scratch topics have no consumers).
   */
  readonly offsets: boolean;
}

/** The tuning variables of a restore (STREAMVAULT_RESTORE_*): what `restore` and `drill` both read from the configuration. */
export type RestoreTuning = Pick<
  RestoreOptions,
  | 'concurrency'
  | 'pairOrder'
  | 'produceBatchEvents'
  | 'produceBatchBytes'
  | 'eventsPerSecond'
  | 'bytesPerSecond'
  | 'streamRetries'
  | 'scanTimeoutMs'
  | 'createTopics'
  | 'idempotentProducer'
  | 'replicationFactor'
  | 'fewerPartitions'
>;

export type ClusterFeatureSetting = 'auto' | 'true' | 'false';

function featureOn(setting: ClusterFeatureSetting, cluster: TargetClusterInfo): boolean {
  return setting === 'auto' ? cluster.controllerIsBroker : setting === 'true';
}

export interface RestoreDeps {
  readonly store: ObjectStore;
  readonly layout: KeyLayout;
  readonly logger: Logger;
  /** Target cluster; only touched when events are in scope and this is not a dry run. */
  readonly targetKafka: () => Kafka;
  /**
   * Waits, within STREAMVAULT_KAFKA_CONNECT_TIMEOUT_SECONDS, until the target brokers answer;
   * called before the first client of targetKafka connects (kafkajs alone retries each client for
   * long, and on after it is disconnected).
   */
  readonly reachTarget: () => Promise<BrokerReach>;
  /** `undefined` when streams are not restored (target `none`). */
  readonly streamTarget: StreamTarget | undefined;
  /** Where the run is shown (bar, JSON lines, log lines or nothing); only written to, never read: the outcome comes from the restorers' results. */
  readonly progress: RestoreProgress;
  readonly stdout: NodeJS.WritableStream;
  readonly json: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly hookOutput: NodeJS.WritableStream;
  /**
   * The run's list of what it opened, which the caller closes (last first) however the run ends:
   * the runner registers the journal, the spool and the producer on it as it opens them. An admin
   * client that serves one step (target topics, group offsets, the dry run's look) is disconnected
   * at the end of that step instead.
   */
  readonly resources: ResourceStack;
}

/** What the runner tells its renderer; the renderer's own counters decide nothing. */
export type RestoreProgress = Pick<ProgressReporter, 'start' | 'setPhase' | 'advance' | 'error' | 'finish'>;

export type RestoreOutcome =
  | { kind: 'dry-run'; totals: PlanTotals; exitCode: ExitCodeValue }
  | { kind: 'aborted'; reason: string; exitCode: ExitCodeValue }
  | {
      kind: 'finished';
      exitCode: ExitCodeValue;
      decision: ResumeDecision | undefined;
      totals: PlanTotals;
      streams: StreamRestoreResult | undefined;
      events: EventRestoreResult | undefined;
      offsets: GroupOffsetsResult | undefined;
    };

/** The consumer-group offsets step: the table, and what setting it did (undefined when not attempted). */
export interface GroupOffsetsResult {
  readonly plan: GroupOffsetsPlan;
  readonly applied: ApplyResult | undefined;
}

/** The offsets step as the exit code needs it: its result (undefined when it could not translate or set), the problems it reported. */
interface GroupOffsetsStep {
  readonly result: GroupOffsetsResult | undefined;
  /** Rows it could not translate, a translation or a set that failed, errors setting a group; not counting refused groups. */
  readonly problems: number;
}

/** A run refused before it wrote anything; its exit code is the code's (src/errors). */
function aborted(reason: string, code: ErrorCode): RestoreOutcome {
  return { kind: 'aborted', reason, exitCode: exitCodeOf(new StreamvaultError(reason, { code })) };
}

export function renderTopic(template: string, p: Pick<PlannedPartition, 'topic' | 'source' | 'event'>): string {
  return template.replaceAll('{topic}', p.topic).replaceAll('{source}', p.source).replaceAll('{event}', p.event);
}

/**
 * plan (manifests) -> pre-hook -> decide where each partition continues (target + journal) ->
 * streams -> events -> post-hook. The plan's totals, narrowed to what this run still has to do,
 * are the progress denominator and the summary's totals.
 */
export async function runRestore(options: RestoreOptions, deps: RestoreDeps): Promise<RestoreOutcome> {
  const { logger, progress } = deps;
  const plan = await buildRestorePlan(deps.store, deps.layout, options.scope, { concurrency: 16 });
  const targetTopicOf = (p: PlannedPartition) => renderTopic(options.topicTemplate, p);
  if (plan.unknownRanges.length > 0) {
    const reason = plan.unknownRanges.join('; ');
    logger.error(`${reason}; restore refused, nothing written`);
    return aborted(reason, 'CONFIG_INVALID');
  }

  const topicSpecs = !includesEvents(options.scope.what) ? [] : planTargetTopics(plan.partitions, targetTopicOf, await readTopicRecords(deps, plan.partitions));

  if (options.dryRun) {
    const totals = planTotals(plan);
    const offsets = options.offsets ? await dryRunOffsets(options, deps, plan, targetTopicOf) : undefined;
    writePlan(deps, plan, totals, targetTopicOf, await dryRunTopics(deps, topicSpecs), offsets);
    // Rows the restore could not translate count like unreadable manifests; a target the dry run cannot reach does not.
    const offsetProblems = offsets?.kind === 'planned' ? offsets.plan.problems.length : 0;
    return { kind: 'dry-run', totals, exitCode: exitCodeOfCompletion(plan.problems.length + offsetProblems) };
  }

  for (const gap of plan.retentionGaps) {
    logger.warn({ pair: `${gap.source}/${gap.event}`, topic: gap.topic, partition: gap.partition, from: gap.from, to: gap.to }, 'the backup has a retention gap in the selected range: these offsets expired at the source before they were backed up and are not restored');
  }

  const pre = await runHook({ command: options.preHook, phase: 'pre', scope: options.scope, env: deps.env, output: deps.hookOutput, timeoutMs: options.hookTimeoutMs });
  if (pre.kind === 'failed') {
    progress.error('pre-hook', pre.message, 'pre-hook');
    progress.finish({ aborted: true }, 'failed');
    return aborted(`${pre.message}; nothing written`, 'HOOK_FAILED');
  }

  let outcome: RestoreOutcome;
  try {
    outcome = await restore(options, deps, plan, targetTopicOf, topicSpecs);
  } catch (error) {
    logger.error({ err: error }, 'restore stopped by an error');
    progress.error('restore', (error as Error).message, 'restore');
    progress.finish({ failed: true }, 'failed');
    outcome = { kind: 'aborted', reason: (error as Error).message, exitCode: exitCodeOf(error) };
  }

  const post = await runHook({
    command: options.postHook,
    phase: 'post',
    scope: options.scope,
    env: deps.env,
    output: deps.hookOutput,
    timeoutMs: options.hookTimeoutMs,
    exitCode: outcome.exitCode,
  });
  if (post.kind === 'failed') {
    logger.error({ hook: 'post' }, post.message);
    if (outcome.exitCode === ExitCode.ok) return { ...outcome, exitCode: exitCodeOf(new StreamvaultError(post.message, { code: 'HOOK_FAILED' })) };
  }
  return outcome;
}

async function restore(
  options: RestoreOptions,
  deps: RestoreDeps,
  plan: RestorePlan,
  targetTopicOf: (p: PlannedPartition) => string,
  topicSpecs: readonly TargetTopicSpec[],
): Promise<RestoreOutcome> {
  const { logger, progress, resources } = deps;
  const journal = await RestoreJournal.open(options.stateDir, options.identity);
  resources.defer('the restore journal', () => journal.close());
  for (const problem of journal.problems) logger.warn({ journal: journal.dir, problem }, 'restore journal line skipped; what it recorded is checked again against the target');
  // Before anything writes to it: opening deletes what a run killed mid-download left, which only a later run can.
  const spool = await Spool.open(join(journal.dir, 'spool'), logger);
  resources.defer('the restore spool', () => spool.close());
  const withEvents = includesEvents(options.scope.what) && plan.partitions.length > 0;
  const withStreams = includesStreams(options.scope.what) && deps.streamTarget !== undefined;
  const withOffsets = options.offsets && plan.partitions.length > 0;

  let kafka: Kafka | undefined;
  let decision: ResumeDecision | undefined;
  let restoredUpTo: ReadonlyMap<string, bigint> = new Map();
  let bounds = new Map<string, readonly { low: bigint; high: bigint }[]>() as ReadonlyMap<string, readonly { low: bigint; high: bigint }[]>;
  let idempotent = false;
  if (withEvents || withOffsets) {
    const reach = await deps.reachTarget();
    if (reach.kind === 'unreachable') {
      progress.error('target-cluster', reach.message, 'plan');
      progress.finish({ aborted: true });
      return aborted(`${reach.message}; nothing written`, 'KAFKA_UNREACHABLE');
    }
    kafka = deps.targetKafka();
  }
  if (withEvents && kafka) {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const cluster = await describeTargetCluster(admin);
      idempotent = featureOn(options.idempotentProducer, cluster);
      const ensured = await ensureTargetTopics(
        admin,
        topicSpecs,
        { create: featureOn(options.createTopics, cluster), replicationFactor: options.replicationFactor, brokers: cluster.brokers, fewerPartitions: options.fewerPartitions },
        logger,
      );
      if (ensured.kind === 'refused') {
        progress.error('target-topics', ensured.message, 'plan');
        progress.finish({ aborted: true }, 'failed');
        return aborted(`${ensured.message}; nothing written`, 'CONFIG_INVALID');
      }
    } finally {
      // A failed disconnect must not replace what the step found (a refusal, or its error).
      await admin.disconnect().catch((error: unknown) => logger.warn({ err: error }, 'target admin client did not disconnect cleanly'));
    }
    const resume = await decideResume({
      partitions: plan.partitions,
      targetTopicOf,
      journal,
      reader: new TargetReader(kafka, logger, options.scanTimeoutMs),
      mode: options.checkMode,
      forceFull: options.forceFull,
      logger,
    });
    decision = resume.decision;
    restoredUpTo = resume.restoredUpTo;
    bounds = resume.bounds;
  } else if (options.forceFull) {
    await journal.reset();
  }

  // What this run still has to do: the plan minus what the target (or the journal) already holds.
  const partitions: PlannedPartition[] = withEvents
    ? plan.partitions
        .map((p) => ({ ...p, batches: p.batches.filter((b) => batchNeedsRestore(b, restoredUpTo.get(partitionId(targetTopicOf(p), p.topic, p.partition)) ?? -1n)) }))
        .filter((p) => p.batches.length > 0)
    : [];
  const streams = withStreams
    ? plan.streams
        .map((s) => ({ ...s, references: s.references.filter((r) => !journal.hasStream({ sha256: s.sha256, ...r })) }))
        .filter((s) => s.references.length > 0)
    : [];
  const totals = planTotals({ scope: plan.scope, partitions, streams });
  logger.info(
    { decision, batches: totals.batches, events: totals.events, streams: totals.streams, bytes: totals.bytes },
    'restore planned',
  );
  // The totals first (the first --json line), then what the plan could not read.
  progress.start({ files: totals.files, bytes: totals.bytes }, 'streams');
  for (const problem of plan.problems) progress.error(problem.key, problem.reason, 'plan');

  let streamResult: StreamRestoreResult | undefined;
  if (withStreams && deps.streamTarget) {
    streamResult = await restoreStreams(streams, {
      store: deps.store,
      target: deps.streamTarget,
      journal,
      logger,
      spool,
      concurrency: options.concurrency,
      retries: options.streamRetries,
      skipExisting: options.skipExistingStreams,
      onProgress: (files, bytes) => progress.advance(files, bytes),
      onError: (item, error) => progress.error(item, error, 'streams'),
    });
  }

  let eventResult: EventRestoreResult | undefined;
  if (withEvents && kafka) {
    progress.setPhase('events');
    // Idempotent: kafkajs retries, the broker drops a repeated request of this producer session
    // (kafkajs warns that bounded retries "may invalidate EoS": not here, since a send that gave up
    // stops its partition and the rerun reads the target). Otherwise no retries at all, since
    // a retried request whose first attempt landed would write twice.
    const producer = idempotent
      ? kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 8 }, allowAutoTopicCreation: false })
      : kafka.producer({ idempotent: false, maxInFlightRequests: 1, retry: { retries: 0 }, allowAutoTopicCreation: true });
    await producer.connect();
    resources.defer('the target producer', () => producer.disconnect());
    // The start of the events phase: what `npm run bench` times the restore from.
    logger.info({ batches: totals.batches, events: totals.events }, 'producing events to the target');
    eventResult = await restoreEvents(partitions, {
      store: deps.store,
      producer,
      journal,
      throttle: new Throttle({ eventsPerSecond: options.eventsPerSecond, bytesPerSecond: options.bytesPerSecond }),
      logger,
      scope: options.scope,
      targetTopicOf,
      bounds,
      restoredUpTo,
      produceBatchEvents: options.produceBatchEvents,
      produceBatchBytes: options.produceBatchBytes,
      concurrency: options.concurrency,
      pairOrder: options.pairOrder,
      onProgress: (files, bytes) => progress.advance(files, bytes),
      onError: (item, error) => progress.error(item, error, 'events'),
    });
  }

  let offsetResult: GroupOffsetsResult | undefined;
  let offsetProblems = 0;
  if (withOffsets && kafka) {
    progress.setPhase('offsets');
    if (eventResult && (eventResult.produceFailures > 0 || eventResult.failedBatches > 0)) {
      // Translating against a target that lacks some of the events would place groups past them.
      // Not a further error: the events' own errors already make the run fail or partial.
      logger.warn('consumer-group offsets not set: not every event was restored; the rerun sets them');
    } else {
      const step = await restoreGroupOffsets(options, deps, kafka, plan, targetTopicOf);
      offsetResult = step.result;
      offsetProblems = step.problems;
    }
  }

  // From what each step returned, not from what the renderer counted (issue 11: a run without a bar is partial too).
  const exitCode = exitCodeOfRestore({
    produceFailures: eventResult?.produceFailures ?? 0,
    failedItems: plan.problems.length + (streamResult?.failed ?? 0) + (eventResult?.failedBatches ?? 0) + offsetProblems,
    refusedGroups: offsetResult?.applied?.refused.length ?? 0,
  });
  progress.finish({
    mode: decision?.kind ?? (options.scope.what === 'offsets' ? 'offsets-only' : 'streams-only'),
    ...(decision?.kind === 'full' ? { full_reason: decision.reason } : {}),
    batches: totals.batches,
    events_planned: totals.events,
    events_restored: eventResult?.produced ?? 0,
    events_skipped_present: eventResult?.skippedPresent ?? 0,
    events_skipped_by_time: eventResult?.skippedByTime ?? 0,
    events_skipped_by_offset: eventResult?.skippedByOffset ?? 0,
    null_headers_sent_empty: eventResult?.nullHeaders ?? 0,
    streams_planned: totals.streams,
    streams_posted: streamResult?.posted ?? 0,
    streams_skipped_existing: streamResult?.skippedExisting ?? 0,
    streams_failed: streamResult?.failed ?? 0,
    streams_unavailable_at_source: streamResult?.unavailableAtSource ?? 0,
    ...(offsetResult
      ? {
          groups_offsets_set: offsetResult.applied?.applied.length ?? 0,
          groups_refused_not_empty: offsetResult.applied?.refused.map((r) => r.group) ?? [],
        }
      : {}),
    exit_code: exitCode,
  }, progressEndOf(exitCode));
  return { kind: 'finished', exitCode, decision, totals, streams: streamResult, events: eventResult, offsets: offsetResult };
}

/**
 * After the events: translate each group's committed offsets (the latest snapshot, at or before
 * --until) against what the target now holds, set them for groups empty in the target, read them back.
 */
async function restoreGroupOffsets(
  options: RestoreOptions,
  deps: RestoreDeps,
  kafka: Kafka,
  plan: RestorePlan,
  targetTopicOf: (p: PlannedPartition) => string,
): Promise<GroupOffsetsStep> {
  const { logger, progress } = deps;
  let problems = 0;
  const problem = (message: string) => {
    problems += 1;
    progress.error('consumer-offsets', message, 'offsets');
  };
  const admin = kafka.admin();
  let table: GroupOffsetsPlan;
  let applied: ApplyResult;
  try {
    await admin.connect();
    try {
      table = await translateGroupOffsets({
        partitions: plan.partitions,
        targetTopicOf,
        scope: options.scope,
        store: deps.store,
        layout: deps.layout,
        target: async () => ({ reader: new TargetReader(kafka, logger, options.scanTimeoutMs), topics: new Set(await admin.listTopics()) }),
        eventsPending: false,
      });
    } catch (error) {
      problem(`consumer-group offsets not translated: ${(error as Error).message}`);
      return { result: undefined, problems };
    }
    for (const t of table.topicsWithoutSnapshot) logger.info({ topic: t }, 'no consumer-group offset snapshot of this topic in the backup; no group offsets to translate');
    for (const untranslated of table.problems) problem(untranslated);
    if (table.rows.length > 0) logger.info({ table: translationTableText(table) }, 'consumer-group offsets translated');
    applied = await applyGroupOffsets(admin, table.rows, logger);
  } catch (error) {
    problem(`consumer-group offsets not set: ${(error as Error).message}`);
    return { result: undefined, problems };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  for (const r of applied.refused) {
    const message = `consumer group ${r.group} is not empty in the target (state ${r.state}, ${r.members} member(s)): its offsets were left unchanged; stop its consumers and rerun with --what offsets`;
    logger.error({ group: r.group, state: r.state, members: r.members }, message);
    progress.error(`group ${r.group}`, message, 'offsets');
  }
  for (const e of applied.errors) problem(e);
  return { result: { plan: table, applied }, problems };
}

type DryRunOffsets = { kind: 'planned'; plan: GroupOffsetsPlan } | { kind: 'unavailable'; reason: string };

/** The dry run's translation table, against the target as it is now; the cluster is only read. */
async function dryRunOffsets(options: RestoreOptions, deps: RestoreDeps, plan: RestorePlan, targetTopicOf: (p: PlannedPartition) => string): Promise<DryRunOffsets> {
  let admin: ReturnType<Kafka['admin']> | undefined;
  try {
    const translated = await translateGroupOffsets({
      partitions: plan.partitions,
      targetTopicOf,
      scope: options.scope,
      store: deps.store,
      layout: deps.layout,
      target: async () => {
        const reach = await deps.reachTarget();
        if (reach.kind === 'unreachable') throw new Error(reach.message);
        const kafka = deps.targetKafka();
        admin = kafka.admin();
        await admin.connect();
        return { reader: new TargetReader(kafka, deps.logger, options.scanTimeoutMs), topics: new Set(await admin.listTopics()) };
      },
      eventsPending: includesEvents(options.scope.what),
    });
    return { kind: 'planned', plan: translated };
  } catch (error) {
    return { kind: 'unavailable', reason: (error as Error).message };
  } finally {
    await admin?.disconnect().catch(() => undefined);
  }
}

/** The dry run's plan as data for src/output, which renders it (JSON line or table). */
function writePlan(
  deps: RestoreDeps,
  plan: RestorePlan,
  totals: PlanTotals,
  targetTopicOf: (p: PlannedPartition) => string,
  topics: readonly DryRunTopic[],
  offsets: DryRunOffsets | undefined,
): void {
  writeRestorePlan(deps.stdout, deps.json, {
    what: plan.scope.what,
    pairs: totals.pairs.map((p) => ({ ...p, target_topic: targetTopicOf({ ...p, partition: 0, batches: [] }) })),
    totals,
    manifestProblems: plan.problems,
    retentionGaps: plan.retentionGaps,
    targetTopics: topics.map((t) => ({ topic: t.spec.topic, partitions: t.spec.partitions, configs: t.spec.configs, basis: t.spec.basis, existing: t.existing, action: t.action })),
    ...(offsets
      ? { consumerOffsets: offsets.kind === 'planned' ? { kind: 'planned', json: translationTableJson(offsets.plan), text: translationTableText(offsets.plan) } : { kind: 'unavailable', reason: offsets.reason } }
      : {}),
  });
}

/** The backup's topic records of the original topics in the plan; a record that cannot be read is warned about and skipped. */
async function readTopicRecords(deps: RestoreDeps, partitions: readonly PlannedPartition[]): Promise<Map<string, TopicRecord>> {
  const records = new Map<string, TopicRecord>();
  for (const topic of new Set(partitions.map((p) => p.topic))) {
    try {
      const record = await readTopicRecord(deps.store, deps.layout, topic);
      if (record) records.set(topic, record);
    } catch (error) {
      deps.logger.warn({ topic, err: error }, 'cannot read the topic record; a topic the restore creates gets the partition count from the manifests and the target\'s default configs');
    }
  }
  return records;
}

interface DryRunTopic {
  readonly spec: TargetTopicSpec;
  readonly existing: number | undefined;
  readonly action: string;
}

/** What a restore would do with each target topic; the cluster is only asked (listTopics, metadata), and may be unreachable. */
async function dryRunTopics(deps: RestoreDeps, specs: readonly TargetTopicSpec[]): Promise<DryRunTopic[]> {
  if (specs.length === 0) return [];
  let counts: Map<string, number> | undefined;
  let unreachable = '';
  const admin = deps.targetKafka().admin({ retry: { retries: 1 } });
  try {
    await admin.connect();
    counts = await existingPartitionCounts(admin, specs);
  } catch (error) {
    unreachable = (error as Error).message;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  return specs.map((spec) => {
    const existing = counts?.get(spec.topic);
    const action =
      counts === undefined
        ? `target cluster not reachable (${unreachable}); created if missing`
        : existing === undefined
          ? 'missing, would be created'
          : existing < spec.partitions
            ? `exists with ${existing} partition(s), fewer than needed`
            : `exists with ${existing} partition(s)`;
    return { spec, existing, action };
  });
}
