import { exitCodeFor, exitCodeOf } from '../errors/exit-code-of.js';
import type { StreamPipeline } from '../streams/stream-pipeline.js';
import type { Admin } from 'kafkajs';
import type { BackupDaemon } from '../backup/backup-daemon.js';
import { OffsetSnapshots } from '../backup/offset-snapshots.js';
import { OnceTracker } from '../backup/once-tracker.js';
import type { ObserverList } from '../backup/observer-list.js';
import type { PairWorker } from '../backup/pair-worker.js';
import type { Config } from '../config/load-config.js';
import { backupGroupId, backupGroupsFor, kafkaSettings, legacyGroupIdFor } from '../config/settings.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { classifyKafkaError } from '../errors/kafka-error-class.js';
import { createKafka } from '../kafka/create-kafka.js';
import type { DaemonHealth } from '../observability/daemon-health.js';
import { startDaemonObservability } from './daemon-observability.js';
import type { Logger } from '../observability/logger.js';
import type { ReadinessProblems } from '../observability/readiness-problems.js';
import { every, type IntervalLoop } from '../observability/interval-loop.js';
import { ProgressReporter } from '../output/progress-reporter.js';
import type { KeyLayout } from '../storage/key-layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { RunIo } from './restore-run.js';

export interface BackupRunOptions {
  /** Back up to the end offsets recorded at start, then shut down in order and exit. */
  readonly once?: boolean;
  /** With `once`: JSON progress lines and summary on stdout. */
  readonly json?: boolean;
}

export interface BackupWatchDeps {
  readonly cli: RunIo;
  readonly config: Config;
  readonly logger: Logger;
  readonly store: ObjectStore;
  readonly layout: KeyLayout;
  readonly daemon: BackupDaemon;
  readonly workers: readonly PairWorker[];
  readonly streams: StreamPipeline;
  /** The workers' observer; watchers add theirs to it. */
  readonly observers: ObserverList;
  /** Conditions reported by components (journal, stream pool, workers) that fail /readyz. */
  readonly readinessProblems?: ReadinessProblems;
  /** The health server, up since the start of the run. */
  readonly health: DaemonHealth;
  /** The backup brokers' admin client; absent: one is made from the configuration (tests pass a fake). */
  readonly admin?: Admin;
}

export type AttachResult = { kind: 'attached'; watch: BackupWatch } | { kind: 'refused'; exitCode: ExitCodeValue; message: string };

export interface BackupWatch {
  /** Turns the daemon's exit code into the run's: `--once` is partial when a partition fell short. */
  finish(code: ExitCodeValue): Promise<ExitCodeValue>;
  /** Stops the metrics server and timers and takes the last offset snapshot; the daemon's onStopped, once every shutdown phase ran. */
  stopObserving(): Promise<void>;
  /** stopObserving, and the Kafka admin client. Safe to call twice. */
  close(): Promise<void>;
}

/** Once-mode poll of the group's committed offsets, for partitions another replica owns. */
const ONCE_POLL_MS = 2000;
/** Once-mode check that the brokers still answer the workers. */
const ONCE_CONTACT_CHECK_MS = 1000;
/** Status lines on stdout during `--once`. */
const ONCE_STATUS_MS = 1000;

/**
 * Attaches what watches a backup run: metrics, health, lag, progress log and validation; and for
 * `--once`, the end offsets recorded at start with restore-style progress on stdout.
 */
export async function attachBackupWatch(deps: BackupWatchDeps, options: BackupRunOptions): Promise<AttachResult> {
  const { cli, config, logger, daemon, workers, observers } = deps;
  const pairs = workers.map((w) => ({ pair: w.pair, groupIds: backupGroupsFor(config, w.pair) }));
  const brokers = config.KAFKA_BROKERS.join(',');
  const admin: Admin = deps.admin ?? createKafka(kafkaSettings(config), logger).admin();
  let adminReady = false;
  try {
    await admin.connect();
    adminReady = true;
  } catch (error) {
    if (options.once) {
      await admin.disconnect().catch(() => {});
      return { kind: 'refused', exitCode: exitCodeFor('KAFKA_UNREACHABLE'), message: `backup --once needs the end offsets from the Kafka brokers ${brokers}: ${classifyKafkaError(error).root}` };
    }
    logger.warn({ err: error }, 'Kafka admin client unavailable; consumer lag is not reported');
  }
  const disconnectAdmin = async () => {
    if (adminReady) await admin.disconnect().catch(() => {});
  };

  let tracker: OnceTracker | undefined;
  let reporter: ProgressReporter | undefined;
  if (options.once) {
    try {
      const plan = await OnceTracker.plan(admin, pairs, config.KAFKA_FROM_BEGINNING);
      tracker = new OnceTracker(plan, () => {
        logger.info('backup --once: every partition consumed up to its end offset recorded at start; shutting down');
        daemon.requestStop({ kind: 'done' });
      });
      logger.info(
        { events: tracker.total, partitions: plan.map((p) => ({ pair: `${p.pair.source}/${p.pair.event}`, partition: p.partition, from: p.start.toString(), to: p.end.toString() })) },
        'backup --once: end offsets recorded',
      );
    } catch (error) {
      await disconnectAdmin();
      return { kind: 'refused', exitCode: exitCodeOf(error), message: `backup --once, brokers ${brokers}: ${(error as Error).message}` };
    }
    reporter = new ProgressReporter({
      mode: options.json ? 'json' : cli.isTTY ? 'bar' : 'none',
      out: cli.stdout,
      intervalMs: ONCE_STATUS_MS,
    });
    reporter.start({ files: tracker.total, bytes: 0 }, 'events');
    tracker.attach(reporter);
    observers.add(tracker.observer);
  }

  const observability = await startDaemonObservability({
    config,
    logger,
    store: deps.store,
    layout: deps.layout,
    daemon,
    workers,
    streams: deps.streams,
    admin: adminReady ? admin : undefined,
    wallNow: () => Date.now(),
    readinessProblems: deps.readinessProblems,
    health: deps.health,
  });
  observers.add(observability.observer);

  // Consumer-group offsets, aligned with what the backup holds (backup/offset-snapshots.ts).
  const snapshots =
    adminReady && config.OFFSETS_INTERVAL_SECONDS > 0
      ? new OffsetSnapshots({
          admin,
          store: deps.store,
          layout: deps.layout,
          logger,
          topics: [...new Set(pairs.map((p) => p.pair.topic))].map((topic) => ({
            topic,
            backupGroups: [backupGroupId(config)],
          })),
          otherOwnGroups: pairs.map((p) => legacyGroupIdFor(config, p.pair)),
          groupPatterns: config.OFFSETS_GROUPS,
          intervalMs: config.OFFSETS_INTERVAL_SECONDS * 1000,
          now: () => new Date(),
        })
      : undefined;
  snapshots?.start();
  // A last snapshot once every batch is durable and committed (so a `--once` run always leaves
  // one): from the daemon's onStopped, before its run summary, or from close() when that never ran.
  let lastSnapshot: Promise<void> | undefined;
  const takeLastSnapshot = () =>
    (lastSnapshot ??= (async () => {
      await snapshots?.stop();
      if (!brokersLost) await snapshots?.run();
    })());

  let poll: IntervalLoop | undefined;
  let contactCheck: IntervalLoop | undefined;
  let brokersLost = false;
  if (tracker) {
    const t = tracker;
    // A poll still in flight when the next is due is not doubled; stop() waits for it, so the
    // admin client is disconnected only after it.
    poll = every(ONCE_POLL_MS, () => t.refreshFromBroker(admin, pairs, config.KAFKA_FROM_BEGINNING), {
      onError: (error) => logger.debug({ err: error }, 'backup --once: committed offsets poll failed'),
    });
    // kafkajs waits out a lost broker for ever (the consumer restarts after every failed retry
    // series): a run meant to end gives up after the connect timeout, with the documented code.
    const timeoutMs = Math.round(config.KAFKA_CONNECT_TIMEOUT_SECONDS * 1000);
    const check = every(
      ONCE_CONTACT_CHECK_MS,
      () => {
        if (brokersLost) return;
        for (const worker of workers) {
          const silent = worker.silentForMs();
          if (worker.state !== 'running' || silent === undefined || silent <= timeoutMs) continue;
          brokersLost = true;
          void check.stop();
          const message = `lost the Kafka brokers ${brokers}: pair ${worker.pair.source}/${worker.pair.event} had no answer for ${Math.round(silent / 1000)} s (every pair reads through the one consumer) (STREAMVAULT_KAFKA_CONNECT_TIMEOUT_SECONDS=${config.KAFKA_CONNECT_TIMEOUT_SECONDS})`;
          logger.error({ brokers }, message);
          daemon.requestStop({ kind: 'fatal', error: new Error(message) });
          return;
        }
      },
      { onError: (error) => logger.warn({ err: error }, 'backup --once: broker contact check failed') },
    );
    contactCheck = check;
    t.begin();
  }

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await Promise.all([poll?.stop(), contactCheck?.stop()]);
      await observability.stop();
      await takeLastSnapshot();
      await disconnectAdmin();
    })());

  return {
    kind: 'attached',
    watch: {
      close,
      stopObserving: async () => {
        await observability.stop();
        await takeLastSnapshot();
      },
      async finish(code) {
        await Promise.all([poll?.stop(), contactCheck?.stop()]);
        // Without --once the daemon's code is the run's; closing is left to close(), so the code is
        // decided (and a late signal exits with it) as soon as the daemon has shut down.
        if (!tracker || !reporter) return code;
        // Commits by other replicas count too; our own are already tracked. Lost brokers would
        // only make kafkajs retry.
        if (!brokersLost) await tracker.refreshFromBroker(admin, pairs, config.KAFKA_FROM_BEGINNING).catch(() => {});
        await close();
        const result = tracker.result();
        if (result.kind === 'incomplete') {
          for (const p of result.partitions) {
            reporter.error(`${p.pair}#${p.partition}`, `committed offset ${p.committed}, expected ${p.end} (the end recorded at start)`, 'events');
          }
        }
        const exitCode = code === ExitCode.ok && result.kind === 'incomplete' ? ExitCode.partial : code;
        const summary = reporter.finish({
          events_backed_up: result.events,
          events_expected: tracker.total,
          incomplete_partitions: result.kind === 'incomplete' ? result.partitions : [],
          exit_code: exitCode,
        });
        if (!options.json) {
          cli.stdout.write(
            `backup --once: ${result.events}/${tracker.total} events backed up in ${summary.seconds_elapsed} s` +
              `${result.kind === 'incomplete' ? `; ${result.partitions.length} partition(s) fell short of their end offset` : ''}\n`,
          );
        }
        return exitCode;
      },
    },
  };
}
