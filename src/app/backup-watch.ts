import { exitCodeFor, exitCodeOf } from '../errors/exit-code-of.js';
import type { StreamPipeline } from '../streams/stream-pipeline.js';
import type { Admin } from 'kafkajs';
import type { BackupDaemon } from '../backup/backup-daemon.js';
import { OffsetSnapshots } from '../backup/offset-snapshots.js';
import { OnceTracker } from '../backup/once-tracker.js';
import type { PairWorker, PairWorkerObserver } from '../backup/pair-worker.js';
import type { StopRequests } from '../backup/stop-requests.js';
import type { Pair } from '../config/pair.js';
import type { Config } from '../config/load-config.js';
import { backupGroupId, backupGroupsFor, kafkaSettings, legacyGroupIdFor } from '../config/settings.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { classifyKafkaError } from '../errors/kafka-error-class.js';
import { createKafka } from '../kafka/create-kafka.js';
import type { DaemonHealth } from '../observability/daemon-health.js';
import { DaemonObservability } from './daemon-observability.js';
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
  readonly streams: StreamPipeline;
  /** Where the run is asked to stop: `--once` when done, or when the brokers are lost. */
  readonly stops: StopRequests;
  /** Conditions reported by components (journal, stream pool, workers) that fail /readyz. */
  readonly readinessProblems?: ReadinessProblems;
  /** The health server, up since the start of the run. */
  readonly health: DaemonHealth;
  /** The backup brokers' admin client; absent: one is made from the configuration (tests pass a fake). */
  readonly admin?: Admin;
}

export type PrepareResult = { kind: 'prepared'; watch: BackupWatch } | { kind: 'refused'; exitCode: ExitCodeValue; message: string };

/** The daemon and its workers, once made: what the watch reads while the run goes on. */
export interface WatchedRun {
  readonly daemon: Pick<BackupDaemon, 'state'>;
  readonly workers: readonly PairWorker[];
}

/** What watches a backup run, made before the workers. */
export interface BackupWatch {
  /** The workers' observers (the `--once` tracker, the validation feed), for their ObserverList. */
  readonly observers: readonly PairWorkerObserver[];
  /** Starts watching the daemon and its workers (before the daemon runs): metrics, lag, progress, snapshots, `--once` checks. */
  start(run: WatchedRun): RunningWatch;
  /** Stops the timers and takes the last offset snapshot; the daemon's onStopped, once every shutdown phase ran. */
  stopObserving(): Promise<void>;
  /** stopObserving, and the Kafka admin client. Safe to call twice. */
  close(): Promise<void>;
}

export interface RunningWatch {
  /** Turns the daemon's exit code into the run's: `--once` is partial when a partition fell short. */
  finish(code: ExitCodeValue): Promise<ExitCodeValue>;
  /** Stops the `--once` poll and broker contact check. Safe to call twice. */
  close(): Promise<void>;
}

/** Once-mode poll of the group's committed offsets, for partitions another replica owns. */
const ONCE_POLL_MS = 2000;
/** Once-mode check that the brokers still answer the workers. */
const ONCE_CONTACT_CHECK_MS = 1000;
/** Status lines on stdout during `--once`. */
const ONCE_STATUS_MS = 1000;

/**
 * Prepares what watches a backup run: metrics, health, lag, progress log and validation; and for
 * `--once`, the end offsets recorded at start with restore-style progress on stdout. Made before
 * the workers (its observers are theirs, its stopObserving the daemon's onStopped); `start` gets
 * the daemon and workers once they exist.
 */
export async function prepareBackupWatch(deps: BackupWatchDeps, options: BackupRunOptions): Promise<PrepareResult> {
  const { cli, config, logger, stops } = deps;
  // One worker per configured pair (createBackupDaemon): the pairs watched are the configuration's.
  const pairs = config.pairs.map((pair) => ({ pair, groupIds: backupGroupsFor(config, pair) }));
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

  const once = options.once ? await planOnce(admin, pairs, deps, options) : undefined;
  if (once?.kind === 'refused') {
    await disconnectAdmin();
    return { kind: 'refused', exitCode: once.exitCode, message: `backup --once, brokers ${brokers}: ${once.message}` };
  }
  const tracker = once?.tracker;

  const observability = new DaemonObservability({
    config,
    logger,
    store: deps.store,
    layout: deps.layout,
    streams: deps.streams,
    admin: adminReady ? admin : undefined,
    wallNow: () => Date.now(),
    readinessProblems: deps.readinessProblems,
    health: deps.health,
  });

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
  // Whether start() ran (a run refused before it takes no snapshot), and whether the --once
  // contact check lost the brokers (a snapshot would only make kafkajs retry).
  const watching = { started: false, lost: false };
  // A last snapshot once every batch is durable and committed (so a `--once` run always leaves
  // one): from the daemon's onStopped, before its run summary, or from close() when that never ran.
  let lastSnapshot: Promise<void> | undefined;
  const takeLastSnapshot = () =>
    (lastSnapshot ??= (async () => {
      await snapshots?.stop();
      if (watching.started && !watching.lost) await snapshots?.run();
    })());
  const stopObserving = async () => {
    await observability.stop();
    await takeLastSnapshot();
  };
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await stopObserving();
      await disconnectAdmin();
    })());

  const start = (run: WatchedRun): RunningWatch => {
    const { workers } = run;
    watching.started = true;
    observability.start(run);
    snapshots?.start();
    if (!once || !tracker) {
      // Without --once the daemon's code is the run's; closing is left to close(), so the code is
      // decided (and a late signal exits with it) as soon as the daemon has shut down.
      return { finish: async (code) => code, close: async () => {} };
    }
    const { reporter } = once;
    // A poll still in flight when the next is due is not doubled; stop() waits for it, so the
    // admin client is disconnected only after it.
    const poll = every(ONCE_POLL_MS, () => tracker.refreshFromBroker(admin, pairs, config.KAFKA_FROM_BEGINNING), {
      onError: (error) => logger.debug({ err: error }, 'backup --once: committed offsets poll failed'),
    });
    // kafkajs waits out a lost broker for ever (the consumer restarts after every failed retry
    // series): a run meant to end gives up after the connect timeout, with the documented code.
    const timeoutMs = Math.round(config.KAFKA_CONNECT_TIMEOUT_SECONDS * 1000);
    const contactCheck: IntervalLoop = every(
      ONCE_CONTACT_CHECK_MS,
      () => {
        if (watching.lost) return;
        for (const worker of workers) {
          const silent = worker.silentForMs();
          if (worker.state !== 'running' || silent === undefined || silent <= timeoutMs) continue;
          watching.lost = true;
          void contactCheck.stop();
          const message = `lost the Kafka brokers ${brokers}: pair ${worker.pair.source}/${worker.pair.event} had no answer for ${Math.round(silent / 1000)} s (every pair reads through the one consumer) (STREAMVAULT_KAFKA_CONNECT_TIMEOUT_SECONDS=${config.KAFKA_CONNECT_TIMEOUT_SECONDS})`;
          logger.error({ brokers }, message);
          stops.request({ kind: 'fatal', error: new Error(message) });
          return;
        }
      },
      { onError: (error) => logger.warn({ err: error }, 'backup --once: broker contact check failed') },
    );
    const stopChecks = async () => {
      await Promise.all([poll.stop(), contactCheck.stop()]);
    };
    tracker.begin();
    return {
      close: stopChecks,
      async finish(code) {
        await stopChecks();
        // Commits by other replicas count too; our own are already tracked. Lost brokers would
        // only make kafkajs retry.
        if (!watching.lost) await tracker.refreshFromBroker(admin, pairs, config.KAFKA_FROM_BEGINNING).catch(() => {});
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
    };
  };

  return {
    kind: 'prepared',
    watch: {
      observers: tracker ? [tracker.observer, observability.observer] : [observability.observer],
      start,
      stopObserving,
      close,
    },
  };
}

type OncePlan = { kind: 'planned'; tracker: OnceTracker; reporter: ProgressReporter } | { kind: 'refused'; exitCode: ExitCodeValue; message: string };

/** `--once`: the end offsets recorded now, the tracker that asks the run to stop once they are consumed, and its progress on stdout. */
async function planOnce(
  admin: Admin,
  pairs: ReadonlyArray<{ pair: Pair; groupIds: readonly string[] }>,
  deps: Pick<BackupWatchDeps, 'cli' | 'config' | 'logger' | 'stops'>,
  options: BackupRunOptions,
): Promise<OncePlan> {
  const { cli, config, logger, stops } = deps;
  let tracker: OnceTracker;
  try {
    const plan = await OnceTracker.plan(admin, pairs, config.KAFKA_FROM_BEGINNING);
    tracker = new OnceTracker(plan, () => {
      logger.info('backup --once: every partition consumed up to its end offset recorded at start; shutting down');
      stops.request({ kind: 'done' });
    });
    logger.info(
      { events: tracker.total, partitions: plan.map((p) => ({ pair: `${p.pair.source}/${p.pair.event}`, partition: p.partition, from: p.start.toString(), to: p.end.toString() })) },
      'backup --once: end offsets recorded',
    );
  } catch (error) {
    return { kind: 'refused', exitCode: exitCodeOf(error), message: (error as Error).message };
  }
  const reporter = new ProgressReporter({
    mode: options.json ? 'json' : cli.isTTY ? 'bar' : 'none',
    out: cli.stdout,
    intervalMs: ONCE_STATUS_MS,
  });
  reporter.start({ files: tracker.total, bytes: 0 }, 'events');
  tracker.attach(reporter);
  return { kind: 'planned', tracker, reporter };
}
