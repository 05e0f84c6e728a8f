import { pairId } from '../config/pair.js';
import { IntervalLoop } from './interval-loop.js';
import type { Logger } from './logger.js';
import type { MetricsWorker } from './metrics.js';

export interface ProgressLogWorker extends MetricsWorker {
  /** Logs the malformed events counted since the last call as one line (see backup/malformed-event-log.ts). */
  summarizeMalformed(): void;
}

export interface ProgressLogDeps {
  readonly workers: readonly ProgressLogWorker[];
  /** Total lag of a pair from the last Kafka poll; undefined before it. */
  readonly lagOf: (pair: MetricsWorker['pair']) => number | undefined;
  readonly logger: Logger;
  /** Milliseconds between lines. */
  readonly intervalMs: number;
}

/**
 * One info line per pair on an interval, so an operator tailing the log sees the daemon working;
 * with it, the pair's summary of malformed events since the last interval, when there were any.
 */
export class ProgressLog {
  readonly #deps: ProgressLogDeps;
  #loop: IntervalLoop | undefined;

  constructor(deps: ProgressLogDeps) {
    this.#deps = deps;
  }

  start(): void {
    this.#loop ??= new IntervalLoop(() => this.logNow(), {
      intervalMs: this.#deps.intervalMs,
      onError: (error) => this.#deps.logger.error({ err: error }, 'progress log line failed'),
    });
    this.#loop.start();
  }

  stop(): void {
    void this.#loop?.stop();
  }

  logNow(): void {
    for (const worker of this.#deps.workers) {
      const buffered = worker.buffered();
      this.#deps.logger.info(
        {
          pair: pairId(worker.pair),
          state: worker.state,
          backedUpSinceStart: worker.stats.backedUp,
          consumedSinceStart: worker.stats.consumed,
          batchesSinceStart: worker.stats.batches,
          malformedSinceStart: worker.stats.malformed,
          lag: this.#deps.lagOf(worker.pair) ?? null,
          unflushedEvents: buffered.reduce((n, b) => n + b.events, 0),
          oldestUnflushedSeconds: Math.round(Math.max(0, ...buffered.map((b) => b.ageMs)) / 100) / 10,
        },
        'progress',
      );
      worker.summarizeMalformed();
    }
  }
}
