import { hostname } from 'node:os';
import { createBackupDaemon } from '../backup/create-backup-daemon.js';
import { ObserverList } from '../backup/observer-list.js';
import { StopRequests } from '../backup/stop-requests.js';
import { kafkaSettings } from '../config/settings.js';
import { exitCodeFor, exitCodeOf } from '../errors/exit-code-of.js';
import type { ErrorCode } from '../errors/error-codes.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { checkStateDir } from '../filecache/state-dir.js';
import { reachBrokers } from '../kafka/reach-brokers.js';
import { startDaemonHealth } from '../observability/daemon-health.js';
import { ReadinessProblems } from '../observability/readiness-problems.js';
import type { ShutdownSignals } from '../process-signals.js';
import { acquireWriterLock, LocationLockedError } from '../storage/location-locks.js';
import { openBackupStreams } from '../streams/open-backup-streams.js';
import { prepareBackupWatch, type BackupRunOptions } from './backup-watch.js';
import { withResources } from '../lifecycle/resource-stack.js';
import type { RunContext, RunIo } from './restore-run.js';

/** What a backup run needs of the process besides its output: where signals go. */
export interface BackupIo extends RunIo {
  readonly signals: ShutdownSignals;
}

/**
 * One backup run (the daemon, or `--once`), assembled in dependency order: the health server (up
 * first, so a liveness probe sees the process while it waits for its brokers), the state directory,
 * the brokers, the writer lock, the stream journals, the daemon (its consumer and workers), and what
 * watches it. Each part's close is registered right after it is made, and the stack closes them last
 * first however the run ends; a refusal just returns its code. "shutdown complete" is the last line.
 */
export async function runBackupApp(io: BackupIo, context: RunContext, options: BackupRunOptions): Promise<ExitCodeValue> {
  const { config, logger, store, layout } = context;
  // A refusal is said twice: in the JSON log for collectors, in plain words for the operator.
  const refuse = (message: string, code: ErrorCode | ExitCodeValue): ExitCodeValue => {
    logger.error(message);
    io.stderr.write(`streamvault: ${message}\n`);
    return typeof code === 'number' ? code : exitCodeFor(code);
  };

  const startedHealth = await startDaemonHealth(config, logger);
  if (startedHealth.kind === 'refused') return refuse(startedHealth.message, 'UNKNOWN');
  const health = startedHealth.health;
  let exitCode: ExitCodeValue = ExitCode.failure;
  try {
    exitCode = await withResources(logger, async (resources) => {
      const stateDir = await checkStateDir(config.STATE_DIR);
      if (!stateDir.ok) return refuse(stateDir.message, 'STATE_DIR_UNUSABLE');

      health.setStarting(`connecting to the Kafka brokers ${config.KAFKA_BROKERS.join(',')}`);
      const reach = await reachBrokers({ settings: kafkaSettings(config), logger, timeoutMs: Math.round(config.KAFKA_CONNECT_TIMEOUT_SECONDS * 1000) });
      if (reach.kind === 'unreachable') return refuse(reach.message, 'KAFKA_UNREACHABLE');

      // Prune must not sweep while this process writes (location-locks.ts): the lock comes before the
      // stream journals, whose pending streams the pool uploads at once.
      health.setStarting('taking the writer lock of the backup location');
      try {
        const writerLock = await acquireWriterLock(store, layout, { now: () => new Date(), host: hostname(), pid: process.pid }, (error) =>
          logger.warn({ err: error }, 'could not refresh the writer lock; a prune may start once it is stale (120 s)'),
        );
        resources.defer('the writer lock', () =>
          writerLock.release().catch((error: unknown) => logger.warn({ err: error }, 'could not delete the writer lock; it goes stale on its own')),
        );
      } catch (error) {
        if (error instanceof LocationLockedError) return refuse(`backup refused: ${error.message}`, 'LOCATION_LOCKED');
        return refuse(`backup could not write its writer lock to bucket ${store.bucket}: ${(error as Error).message}`, exitCodeOf(error));
      }

      health.setStarting('opening the stream journals');
      // Components report here what keeps the daemon from committing; /readyz lists it.
      const readinessProblems = new ReadinessProblems();
      const streams = await openBackupStreams(config, { logger, store, stateDir: stateDir.path, readiness: readinessProblems });
      if (streams.kind === 'refused') return refuse(streams.message, streams.exitCode);
      resources.defer('the stream journals', () =>
        streams.close().catch((error: unknown) => logger.warn({ err: error }, 'closing the stream journals failed; they are fsynced already')),
      );

      // Where every part asks the run to stop (the consumer, `--once`, a signal), before any of them.
      const stops = new StopRequests();
      // What watches the run comes before the workers: its observers are theirs, and its
      // stopObserving is the daemon's onStopped; it starts watching them once they exist.
      const prepared = await prepareBackupWatch(
        { cli: io, config, logger, store, layout, streams: streams.pipeline, stops, readinessProblems, health },
        options,
      );
      if (prepared.kind === 'refused') return refuse(prepared.message, prepared.exitCode);
      const { watch } = prepared;
      resources.defer('what watches the run', () => watch.close());
      const observers = new ObserverList(watch.observers, (error) => logger.warn({ err: error }, 'a worker observer failed; ignored'));
      health.setStarting('checking the backup location and recording the topics');
      const made = await createBackupDaemon(config, {
        logger,
        store,
        streams: streams.pipeline,
        monotonicNow: () => performance.now(),
        wallNow: () => Date.now(),
        stops,
        observer: observers,
        readiness: readinessProblems,
        // Metrics and /readyz stay up through the ordered shutdown (readyz answers 503 meanwhile);
        // stopped once every shutdown phase ran, before the run summary.
        onStopped: () => watch.stopObserving(),
      });
      if (made.kind === 'refused') return refuse(made.message, made.exitCode);
      const { daemon } = made;
      const running = watch.start({ daemon, workers: made.workers });
      resources.defer('the --once checks', () => running.close());

      io.signals.routeToShutdown(logger, (signal) => daemon.requestStop({ kind: 'signal', signal }));
      const code = await running.finish(await daemon.run());
      // Everything is durable; a late signal (an orchestrator's second SIGTERM) now exits with this
      // code at once instead of turning a finished run into 130.
      io.signals.decided(code);
      return code;
    });
    return exitCode;
  } finally {
    await health.close();
    // The last line of a run: every client is disconnected and every timer stopped by now.
    logger.info({ exitCode }, 'shutdown complete');
  }
}
