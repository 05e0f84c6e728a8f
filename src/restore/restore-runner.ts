import { join } from 'node:path';
import type { BrokerReach } from '../kafka/reach-brokers.js';
import type { Kafka } from 'kafkajs';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { Logger } from '../observability/logger.js';
import { ProgressReporter } from '../progress/progress-reporter.js';
import type { KeyLayout } from '../storage/key-layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import { readTopicRecord, type TopicRecord } from '../storage/topic-record.js';
import { describeRetentionGap, retentionGapJson } from '../storage/retention-gap.js';
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
  readonly progress: ProgressReporter;
  readonly stdout: NodeJS.WritableStream;
  readonly json: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly hookOutput: NodeJS.WritableStream;
}

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
    return { kind: 'aborted', reason, exitCode: ExitCode.badConfiguration };
  }

  const topicSpecs = !includesEvents(options.scope.what) ? [] : planTargetTopics(plan.partitions, targetTopicOf, await readTopicRecords(deps, plan.partitions));

  if (options.dryRun) {
    const totals = planTotals(plan);
    const offsets = options.offsets ? await dryRunOffsets(options, deps, plan, targetTopicOf) : undefined;
    writePlan(deps, plan, totals, targetTopicOf, await dryRunTopics(deps, topicSpecs), offsets);
    // Rows the restore could not translate count like unreadable manifests; a target the dry run cannot reach does not.
    const offsetProblems = offsets?.kind === 'planned' ? offsets.plan.problems.length : 0;
    return { kind: 'dry-run', totals, exitCode: plan.problems.length > 0 || offsetProblems > 0 ? ExitCode.partial : ExitCode.ok };
  }

  for (const gap of plan.retentionGaps) {
    logger.warn({ pair: `${gap.source}/${gap.event}`, topic: gap.topic, partition: gap.partition, from: gap.from, to: gap.to }, 'the backup has a retention gap in the selected range: these offsets expired at the source before they were backed up and are not restored');
  }

  const pre = await runHook({ command: options.preHook, phase: 'pre', scope: options.scope, env: deps.env, output: deps.hookOutput, timeoutMs: options.hookTimeoutMs });
  if (pre.kind === 'failed') {
    progress.error('pre-hook', pre.message, 'pre-hook');
    progress.finish({ aborted: true }, 'failed');
    return { kind: 'aborted', reason: `${pre.message}; nothing written`, exitCode: ExitCode.failure };
  }

  let outcome: RestoreOutcome;
  try {
    outcome = await restore(options, deps, plan, targetTopicOf, topicSpecs);
  } catch (error) {
    logger.error({ err: error }, 'restore stopped by an error');
    progress.error('restore', (error as Error).message, 'restore');
    progress.finish({ failed: true }, 'failed');
    outcome = { kind: 'aborted', reason: (error as Error).message, exitCode: ExitCode.failure };
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
    if (outcome.exitCode === ExitCode.ok) return { ...outcome, exitCode: ExitCode.failure };
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
  const { logger, progress } = deps;
  const journal = await RestoreJournal.open(options.stateDir, options.identity);
  // Opened first, closed last: a run killed mid-download left files only the next run can delete.
  const spool = await Spool.open(join(journal.dir, 'spool'), logger);
  try {
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
        return { kind: 'aborted', reason: `${reach.message}; nothing written`, exitCode: ExitCode.failure };
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
          return { kind: 'aborted', reason: `${ensured.message}; nothing written`, exitCode: ExitCode.badConfiguration };
        }
      } finally {
        await admin.disconnect();
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
      // The start of the events phase: what `npm run bench` times the restore from.
      logger.info({ batches: totals.batches, events: totals.events }, 'producing events to the target');
      try {
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
      } finally {
        await producer.disconnect();
      }
    }

    let offsetResult: GroupOffsetsResult | undefined;
    if (withOffsets && kafka) {
      progress.setPhase('offsets');
      if (eventResult && (eventResult.produceFailures > 0 || eventResult.failedBatches > 0)) {
        // Translating against a target that lacks some of the events would place groups past them.
        // Not a further error: the events' own errors already make the run fail or partial.
        logger.warn('consumer-group offsets not set: not every event was restored; the rerun sets them');
      } else {
        offsetResult = await restoreGroupOffsets(options, deps, kafka, plan, targetTopicOf);
      }
    }

    // 7 only when refused groups are all that went wrong (each is one error); anything else as well is partial.
    const refused = offsetResult?.applied?.refused.length ?? 0;
    const exitCode: ExitCodeValue =
      (eventResult?.produceFailures ?? 0) > 0
        ? ExitCode.failure
        : progress.errorCount > refused
          ? ExitCode.partial
          : refused > 0
            ? ExitCode.groupsNotEmpty
            : ExitCode.ok;
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
    }, exitCode === ExitCode.ok ? 'done' : exitCode === ExitCode.partial || exitCode === ExitCode.groupsNotEmpty ? 'partial' : 'failed');
    return { kind: 'finished', exitCode, decision, totals, streams: streamResult, events: eventResult, offsets: offsetResult };
  } finally {
    await spool.close();
    await journal.close();
  }
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
): Promise<GroupOffsetsResult | undefined> {
  const { logger, progress } = deps;
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
      progress.error('consumer-offsets', `consumer-group offsets not translated: ${(error as Error).message}`, 'offsets');
      return undefined;
    }
    for (const t of table.topicsWithoutSnapshot) logger.info({ topic: t }, 'no consumer-group offset snapshot of this topic in the backup; no group offsets to translate');
    for (const problem of table.problems) progress.error('consumer-offsets', problem, 'offsets');
    if (table.rows.length > 0) logger.info({ table: translationTableText(table) }, 'consumer-group offsets translated');
    applied = await applyGroupOffsets(admin, table.rows, logger);
  } catch (error) {
    progress.error('consumer-offsets', `consumer-group offsets not set: ${(error as Error).message}`, 'offsets');
    return undefined;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  for (const r of applied.refused) {
    const message = `consumer group ${r.group} is not empty in the target (state ${r.state}, ${r.members} member(s)): its offsets were left unchanged; stop its consumers and rerun with --what offsets`;
    logger.error({ group: r.group, state: r.state, members: r.members }, message);
    progress.error(`group ${r.group}`, message, 'offsets');
  }
  for (const e of applied.errors) progress.error('consumer-offsets', e, 'offsets');
  return { plan: table, applied };
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

function writePlan(
  deps: RestoreDeps,
  plan: RestorePlan,
  totals: PlanTotals,
  targetTopicOf: (p: PlannedPartition) => string,
  topics: readonly DryRunTopic[],
  offsets: DryRunOffsets | undefined,
): void {
  const pairs = totals.pairs.map((p) => ({ ...p, target_topic: targetTopicOf({ ...p, partition: 0, batches: [] }) }));
  if (deps.json) {
    deps.stdout.write(
      `${JSON.stringify({
        message_type: 'plan',
        dry_run: true,
        what: plan.scope.what,
        pairs,
        batches: totals.batches,
        events: totals.events,
        event_bytes: totals.eventBytes,
        streams: totals.streams,
        stream_posts: totals.streamPosts,
        stream_bytes: totals.streamBytes,
        missing_streams: totals.missingStreams,
        streams_unavailable_at_source: totals.unavailableAtSource,
        total_files: totals.files,
        total_bytes: totals.bytes,
        manifest_problems: plan.problems,
        retention_gaps: plan.retentionGaps.map(retentionGapJson),
        target_topics: topics.map((t) => ({
          topic: t.spec.topic,
          partitions: t.spec.partitions,
          configs: t.spec.configs,
          basis: t.spec.basis,
          existing_partitions: t.existing ?? null,
          action: t.action,
        })),
        ...(offsets ? { consumer_offsets: offsets.kind === 'planned' ? translationTableJson(offsets.plan) : { unavailable: offsets.reason } } : {}),
      })}\n`,
    );
    return;
  }
  const lines = ['dry run: nothing is written', `${'pair'.padEnd(32)} ${'batches'.padStart(8)} ${'events'.padStart(10)} ${'bytes'.padStart(14)}  target topic`];
  for (const p of pairs) {
    lines.push(`${`${p.source}/${p.event}`.padEnd(32)} ${String(p.batches).padStart(8)} ${`${p.eventsExact ? '' : '<='}${p.events}`.padStart(10)} ${String(p.bytes).padStart(14)}  ${p.target_topic}`);
  }
  lines.push(`streams: ${totals.streams} (${totals.streamPosts} posts, ${totals.streamBytes} bytes${totals.missingStreams > 0 ? `, ${totals.missingStreams} missing from the backup` : ''}${totals.unavailableAtSource > 0 ? `, ${totals.unavailableAtSource} unavailable at the source when backed up` : ''})`);
  for (const t of topics) {
    const configs = Object.entries(t.spec.configs).map(([k, v]) => `${k}=${v}`).join(' ');
    lines.push(`target topic ${t.spec.topic}: ${t.action}; needs ${t.spec.partitions} partition(s) (${t.spec.basis === 'recorded' ? 'recorded by the backup' : 'from the manifests; no topic record in the backup'})${configs ? `, configs ${configs}` : ''}`);
  }
  for (const problem of plan.problems) lines.push(`unreadable manifest: ${problem.reason}`);
  if (offsets?.kind === 'planned') lines.push(...translationTableText(offsets.plan));
  else if (offsets) lines.push(`consumer offsets: not translated (${offsets.reason})`);
  // Per pair: what the selected range lacks because it expired at the source before the backup read it.
  for (const gap of plan.retentionGaps) lines.push(`retention gap (not in the backup, cannot be restored): ${describeRetentionGap(gap)}`);
  deps.stdout.write(`${lines.join('\n')}\n`);
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
