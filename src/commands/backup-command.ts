import type { Command } from 'commander';
import { createBackupDaemon } from '../backup/create-backup-daemon.js';
import { ObserverList } from '../backup/observer-list.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { checkStateDir } from '../filecache/state-dir.js';
import { kafkaSettings } from '../config/settings.js';
import { reachBrokers } from '../kafka/reach-brokers.js';
import { startDaemonHealth } from '../observability/daemon-health.js';
import { ReadinessProblems } from '../observability/readiness-problems.js';
import { openBackupStreams } from '../streams/open-backup-streams.js';
import { attachBackupWatch, type BackupRunOptions, type BackupWatch } from './backup-watch.js';
import { createCommandContext, type CliEnvironment, type CommandContext } from './command-context.js';
import type { DaemonHealth } from '../observability/daemon-health.js';
import { acquireWriterLock, LocationLockedError, type HeldLock } from '../storage/location-locks.js';
import { hostname } from 'node:os';

export function registerBackupCommand(program: Command, cli: CliEnvironment, setExit: (code: ExitCodeValue) => void): void {
  program
    .command('backup')
    .description('run the backup daemon: every configured source/event pair from Kafka into S3, with its streams')
    .option('--once', 'back up to the end offsets recorded at start, shut down in order and exit (for scheduled jobs)')
    .option('--json', 'with --once: JSON progress lines (message_type status/error/summary) on stdout')
    .action(async (options: BackupRunOptions) => setExit(await runBackup(cli, options)));
}

export async function runBackup(cli: CliEnvironment, options: BackupRunOptions = {}): Promise<ExitCodeValue> {
  const created = await createCommandContext(cli, { requireBucket: 'create-if-allowed' });
  if (!created.ok) return created.exitCode;
  const { config, logger } = created.context;

  // A refusal is said twice: in the JSON log for collectors, in plain words for the operator.
  const refuse = (message: string, exitCode: ExitCodeValue): ExitCodeValue => {
    logger.error(message);
    cli.stderr.write(`streamvault: ${message}\n`);
    return exitCode;
  };

  // Up first: a liveness probe must see the process alive while it waits for its brokers.
  const startedHealth = await startDaemonHealth(config, logger);
  if (startedHealth.kind === 'refused') return refuse(startedHealth.message, ExitCode.failure);
  const health = startedHealth.health;
  let exitCode: ExitCodeValue = ExitCode.failure;
  try {
    exitCode = await runWithHealth(cli, options, created.context, health, refuse);
    return exitCode;
  } finally {
    await health.close();
    // The last line of a run: every client is disconnected and every timer stopped by now.
    logger.info({ exitCode }, 'shutdown complete');
  }
}

async function runWithHealth(
  cli: CliEnvironment,
  options: BackupRunOptions,
  context: CommandContext,
  health: DaemonHealth,
  refuse: (message: string, exitCode: ExitCodeValue) => ExitCodeValue,
): Promise<ExitCodeValue> {
  const { config, logger, store, layout } = context;
  const stateDir = await checkStateDir(config.STATE_DIR);
  if (!stateDir.ok) return refuse(stateDir.message, ExitCode.stateDirUnusable);

  health.setStarting(`connecting to the Kafka brokers ${config.KAFKA_BROKERS.join(',')}`);
  const reach = await reachBrokers({ settings: kafkaSettings(config), logger, timeoutMs: Math.round(config.KAFKA_CONNECT_TIMEOUT_SECONDS * 1000) });
  if (reach.kind === 'unreachable') return refuse(reach.message, ExitCode.failure);

  // Prune must not sweep while this process writes (location-locks.ts): the lock comes before the
  // stream journals, whose pending streams the pool uploads at once.
  health.setStarting('taking the writer lock of the backup location');
  let writerLock: HeldLock;
  try {
    writerLock = await acquireWriterLock(store, layout, { now: () => new Date(), host: hostname(), pid: process.pid }, (error) =>
      logger.warn({ err: error }, 'could not refresh the writer lock; a prune may start once it is stale (120 s)'),
    );
  } catch (error) {
    if (error instanceof LocationLockedError) return refuse(`backup refused: ${error.message}`, ExitCode.locationLocked);
    return refuse(`backup could not write its writer lock to bucket ${store.bucket}: ${(error as Error).message}`, ExitCode.failure);
  }
  try {
    health.setStarting('opening the stream journals');
    // Components report here what keeps the daemon from committing; /readyz lists it.
    const readinessProblems = new ReadinessProblems();
    const streams = await openBackupStreams(config, { logger, store, stateDir: stateDir.path, readiness: readinessProblems });
    if (streams.kind === 'refused') return refuse(streams.message, streams.exitCode);

    const observers = new ObserverList((error) => logger.warn({ err: error }, 'a worker observer failed; ignored'));
    let watch: BackupWatch | undefined;
    health.setStarting('checking the backup location and recording the topics');
    const made = await createBackupDaemon(config, {
      logger,
      store,
      streams: streams.pipeline,
      monotonicNow: () => performance.now(),
      wallNow: () => Date.now(),
      observer: observers,
      readiness: readinessProblems,
      // Metrics and /readyz stay up through the ordered shutdown (readyz answers 503 meanwhile).
      onStopped: async () => watch?.stopObserving(),
    });
    if (made.kind === 'refused') {
      await streams.close();
      return refuse(made.message, made.exitCode);
    }
    const { daemon } = made;
    const attached = await attachBackupWatch(
      { cli, config, logger, store, layout, daemon, workers: made.workers, streams: streams.pipeline, observers, readinessProblems, health },
      options,
    );
    if (attached.kind === 'refused') {
      await streams.close();
      return refuse(attached.message, attached.exitCode);
    }
    watch = attached.watch;
    cli.signals.routeToShutdown(logger, (signal) => daemon.requestStop({ kind: 'signal', signal }));
    try {
      const code = await attached.watch.finish(await daemon.run());
      // Everything is durable; a late signal (an orchestrator's second SIGTERM) now exits with this
      // code at once instead of turning a finished run into 130.
      cli.signals.decided(code);
      return code;
    } finally {
      await attached.watch.close();
      await streams.close().catch((error: unknown) => logger.warn({ err: error }, 'closing the stream journals failed; they are fsynced already'));
    }
  } finally {
    await writerLock.release().catch((error: unknown) => logger.warn({ err: error }, 'could not delete the writer lock; it goes stale on its own'));
  }
}
