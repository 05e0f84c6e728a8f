/**
 * The one start/stop interval loop (periodic validation, the S3 write probe, the progress log).
 *
 * - No overlap: a tick that comes while the previous run is still going is skipped, not queued,
 *   so a slow run (a stalled S3 call) never piles up runs behind it.
 * - The timer is unref'ed: a loop never keeps the process alive on its own.
 * - A run that throws or rejects is reported to `onError` and the loop goes on.
 * - `stop()` clears the timer and resolves once a run in progress ended; idempotent.
 */
export interface IntervalLoopOptions {
  /** Time between the starts of two runs, in ms (at least 1). */
  readonly intervalMs: number;
  /** Called with whatever a run threw or rejected with. */
  readonly onError: (error: unknown) => void;
  /** Run once right at `start()` too (default false: the first run is after `intervalMs`). */
  readonly runAtStart?: boolean;
}

export class IntervalLoop {
  readonly #run: () => unknown;
  readonly #options: IntervalLoopOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(run: () => unknown, options: IntervalLoopOptions) {
    if (!Number.isFinite(options.intervalMs) || options.intervalMs < 1) {
      throw new RangeError(`Expected \`intervalMs\` to be a number from 1 and up, got \`${options.intervalMs}\` (${typeof options.intervalMs})`);
    }
    this.#run = run;
    this.#options = options;
  }

  get started(): boolean {
    return this.#timer !== undefined;
  }

  /** Starts the schedule; a second call while started does nothing. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.#tick(), this.#options.intervalMs);
    this.#timer.unref();
    if (this.#options.runAtStart) this.#tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  #tick(): void {
    if (this.#running) return;
    this.#running = (async () => {
      try {
        await this.#run();
      } catch (error) {
        this.#options.onError(error);
      }
    })().finally(() => {
      this.#running = undefined;
    });
  }
}

/** `new IntervalLoop(run, options)`, started. */
export function every(intervalMs: number, run: () => unknown, options: Omit<IntervalLoopOptions, 'intervalMs'>): IntervalLoop {
  const loop = new IntervalLoop(run, { ...options, intervalMs });
  loop.start();
  return loop;
}
