import type { Logger } from '../observability/logger.js';
import type { DaemonState } from '../observability/readiness.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { BackupConsumer } from './backup-consumer.js';
import { StopRequests, type StopReason } from './stop-requests.js';
import type { PairWorker } from './pair-worker.js';
import { pairRunSummary } from './run-summary.js';
import type { StreamPipeline } from '../streams/stream-pipeline.js';

export type { StopReason } from './stop-requests.js';

export interface BackupDaemonDeps {
  /** Where the parts of the run ask it to stop (made before them); default a fresh one. */
  readonly stops?: StopRequests;
  /** The one consumer every pair reads through; it starts and drains the workers. */
  readonly consumer: Pick<BackupConsumer, 'start' | 'drain'>;
  readonly workers: readonly PairWorker[];
  readonly streams: StreamPipeline;
  readonly logger: Logger;
  /** The grace of phases 1 and 3, milliseconds each. */
  readonly shutdownGraceMs: number;
  /** Called once every phase has run (close servers, flush metrics). */
  readonly onStopped?: () => Promise<void>;
}

/**
 * Runs the workers until asked to stop, then shuts down in order:
 *   1. the consumer stops fetching, the workers write and commit their batches, the consumer
 *      leaves the group (within the grace: what is not committed by then is re-read at the next start);
 *   2. the hit cache drains into the stream pool;
 *   3. the stream pool drains within the grace period (the rest stays journaled).
 * Every phase runs even if an earlier one failed, so nothing persisted is skipped.
 */
export class BackupDaemon {
  readonly #deps: BackupDaemonDeps;
  #state: DaemonState = 'starting';
  readonly #stops: StopRequests;

  constructor(deps: BackupDaemonDeps) {
    this.#deps = deps;
    this.#stops = deps.stops ?? new StopRequests();
  }

  get state(): DaemonState {
    return this.#state;
  }

  /** First caller wins; later requests are logged and ignored. */
  requestStop(reason: StopReason): void {
    this.#stops.request(reason);
  }

  async run(): Promise<ExitCodeValue> {
    const { logger, streams, workers } = this.#deps;
    streams.stopRequested.then((reason) => this.requestStop({ kind: 'streams', reason }));
    try {
      await streams.start();
      // A stop asked for before the workers start (e.g. `backup --once` with nothing to back up)
      // must not wait for a consumer group join first.
      if (!this.#stops.reason) await this.#deps.consumer.start();
    } catch (error) {
      logger.error({ err: error }, 'startup failed');
      this.requestStop({ kind: 'fatal', error: error as Error });
    }
    if (!this.#stops.reason) {
      this.#state = 'running';
      logger.info({ pairs: workers.map((w) => `${w.pair.source}/${w.pair.event}`) }, 'backup running');
    }
    // A daemon must never end by the event loop running dry (e.g. every consumer between a crash
    // and its restart holds no socket): only a stop request ends it, with a meaningful exit code.
    const keepAlive = setInterval(() => {}, 60_000);
    try {
      const reason = await this.#stops.stopped;
      return await this.#shutdown(reason);
    } finally {
      clearInterval(keepAlive);
    }
  }

  async #shutdown(reason: StopReason): Promise<ExitCodeValue> {
    const { logger, streams, workers, shutdownGraceMs } = this.#deps;
    this.#state = 'draining';
    logger.info({ reason: describe(reason) }, 'shutdown phase 1/3: event workers stop consuming, flush and commit');
    await settle(logger, 'events', withinGrace(this.#deps.consumer.drain(), shutdownGraceMs, () =>
      logger.warn({ graceMs: shutdownGraceMs }, 'shutdown phase 1 did not finish within the grace; what is not committed is re-read at the next start'),
    ));
    logger.info('shutdown phase 2/3: hit cache drains into the stream pool');
    await settle(logger, 'hit cache', streams.drainHitCache());
    logger.info({ graceMs: shutdownGraceMs }, 'shutdown phase 3/3: stream pool drains');
    let unfinished = 0;
    await settle(
      logger,
      'stream pool',
      streams.drainPool(shutdownGraceMs).then((r) => {
        unfinished = r.unfinished;
      }),
    );
    if (unfinished > 0) logger.warn({ unfinished }, 'streams left in the pending journal; they resume at the next start');
    if (this.#deps.onStopped) await settle(logger, 'cleanup', this.#deps.onStopped());
    // What this run did, per pair, once nothing more can change it: the last lines before the exit.
    for (const worker of workers) logger.info(pairRunSummary(worker, streams), 'run summary');
    this.#state = reason.kind === 'fatal' ? 'failed' : 'stopped';
    // "shutdown complete" (with this code) comes from the command, once the last client is closed.
    return exitCodeFor(reason);
  }
}

function exitCodeFor(reason: StopReason): ExitCodeValue {
  switch (reason.kind) {
    case 'signal':
    case 'done':
      return ExitCode.ok;
    case 'streams':
      return ExitCode.stateDirUnusable;
    case 'fatal':
      return ExitCode.failure;
  }
}

function describe(reason: StopReason): string {
  switch (reason.kind) {
    case 'signal':
      return `signal ${reason.signal}`;
    case 'fatal':
      return `fatal error: ${reason.error.message}`;
    case 'streams':
      return `stream pipeline: ${reason.reason}`;
    case 'done':
      return 'done';
  }
}

/** Resolves when `work` settles or `graceMs` passed (then `onLate` is called); `work` goes on either way. */
async function withinGrace(work: Promise<unknown>, graceMs: number, onLate: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs);
  });
  try {
    if ((await Promise.race([work, late])) === 'late') onLate();
  } finally {
    clearTimeout(timer);
  }
}

async function settle(logger: Logger, phase: string, work: Promise<unknown>): Promise<void> {
  try {
    await work;
  } catch (error) {
    logger.error({ err: error, phase }, 'shutdown phase failed; continuing with the next');
  }
}
