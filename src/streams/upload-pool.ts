import PQueue from 'p-queue';
import type { StreamRef } from '../refs/stream-ref.js';

export interface UploadPoolOptions {
  /** Copies at the same time, from 1 (STREAMVAULT_STREAM_CONCURRENCY, default 20). */
  readonly concurrency: number;
  /** References waiting for a slot, from 1 (STREAMVAULT_STREAM_QUEUE_SIZE, default 1000). */
  readonly maxQueued: number;
  /**
   * Does the copy and its bookkeeping; must not throw. `signal` aborts it (grace expired).
   * `'destination-unavailable'`: the destination could not take it; the pool pauses (every copy
   * waits, not just this one) and then runs the reference again.
   */
  readonly run: (ref: StreamRef, signal: AbortSignal) => Promise<RunResult>;
  /**
   * The pause after a destination failure: `minDelayMs` for the first round, doubling each round
   * the destination still refuses, at most `maxDelayMs`. A round is one pause: the copies that were
   * already running when it began and fail as well belong to it and do not lengthen it.
   */
  readonly destinationBackoff: { readonly minDelayMs: number; readonly maxDelayMs: number };
}

export type RunResult = void | 'destination-unavailable';

export type Admission = 'queued' | 'duplicate' | 'closed';

/**
 * A p-queue with a bounded waiting line. `admit` waits for room (backpressure: the event worker
 * that persists is awaiting it, so its partition stops fetching) until admission closes at
 * shutdown. Every reference it holds is journaled already, so dropping the waiting line
 * (`halt`, or a drain past its grace) loses nothing: the journal replays it at the next start.
 */
export class UploadPool {
  readonly #queue: PQueue;
  readonly #options: UploadPoolOptions;
  /** sha256 -> reference, waiting for a slot. */
  readonly #waiting = new Map<string, StreamRef>();
  /** sha256 -> abort of the running copy. */
  readonly #running = new Map<string, AbortController>();
  readonly #settled = new Set<Promise<void>>();
  #closed = false;
  #resumeTimer: NodeJS.Timeout | undefined;
  /** Back-off rounds in a row the destination refused (0: it takes copies). */
  #rounds = 0;
  /** performance.now() when the current round's pause began. */
  #roundStartedAt = Number.NEGATIVE_INFINITY;
  /** Halted: the waiting line was dropped; nothing is scheduled again. */
  #stopped = false;
  #wakeClosed: () => void = () => {};
  readonly #closedSignal = new Promise<void>((resolve) => {
    this.#wakeClosed = resolve;
  });

  constructor(options: UploadPoolOptions) {
    for (const name of ['concurrency', 'maxQueued'] as const) {
      const value = options[name];
      if (!Number.isInteger(value) || value < 1) {
        throw new TypeError(`Expected \`${name}\` to be an integer from 1 and up, got \`${value}\` (${typeof value})`);
      }
    }
    this.#options = options;
    this.#queue = new PQueue({ concurrency: options.concurrency });
  }

  get queued(): number {
    return this.#waiting.size;
  }

  /** Paused after a destination failure, until the back-off ends. */
  get paused(): boolean {
    return this.#queue.isPaused;
  }

  /** The pause of the current back-off round in ms; 0 while the destination takes copies. */
  get backoffMs(): number {
    return this.#rounds === 0 ? 0 : this.#delayOf(this.#rounds);
  }

  /**
   * The destination took a write elsewhere (the S3 write probe recovered): a paused pool tries
   * again now instead of sleeping out its back-off. A refusal starts the next, longer round.
   */
  resumeNow(): void {
    if (this.#stopped || !this.#queue.isPaused) return;
    clearTimeout(this.#resumeTimer);
    this.#queue.start();
  }

  get running(): number {
    return this.#running.size;
  }

  has(sha256: string): boolean {
    return this.#waiting.has(sha256) || this.#running.has(sha256);
  }

  /** Waits while the waiting line is full; `closed` once admission stopped (the ref stays journaled). */
  async admit(ref: StreamRef): Promise<Admission> {
    // Each waiter re-checks after waking, and `#schedule` grows the line synchronously, so the
    // bound holds however many persists wait at once.
    while (!this.#closed && this.#waiting.size >= this.#options.maxQueued) {
      await Promise.race([this.#queue.onSizeLessThan(this.#options.maxQueued), this.#closedSignal]);
    }
    if (this.#closed) return 'closed';
    return this.#schedule(ref);
  }

  /** Past the bound: for the shutdown hand-off, which must not wait for room. */
  enqueue(ref: StreamRef): Admission {
    return this.#schedule(ref);
  }

  /** Stops admission; waiters get `closed`. Enqueue still works (phase 2 hands off). */
  closeAdmission(): void {
    this.#closed = true;
    this.#wakeClosed();
  }

  /** Drops the waiting line (journaled) and stops admission; running copies finish. */
  halt(): number {
    this.closeAdmission();
    clearTimeout(this.#resumeTimer);
    this.#stopped = true;
    const dropped = this.#waiting.size;
    this.#queue.clear();
    this.#waiting.clear();
    return dropped;
  }

  /**
   * Waits for everything queued and running, at most `graceMs`; then drops the waiting line,
   * aborts running copies and waits for them to notice (at most `abortWaitMs`).
   */
  async drain(graceMs: number, abortWaitMs = 5_000): Promise<{ completed: boolean }> {
    this.closeAdmission();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), graceMs);
    });
    const idle = this.#queue.onIdle().then(() => Promise.allSettled([...this.#settled])).then(() => 'idle' as const);
    const first = await Promise.race([idle, expired]);
    clearTimeout(timer);
    if (first === 'idle') return { completed: true };
    this.halt();
    for (const controller of this.#running.values()) controller.abort(new Error(`shutdown grace of ${graceMs} ms expired`));
    let abortTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#settled]),
      new Promise((resolve) => {
        abortTimer = setTimeout(resolve, abortWaitMs);
      }),
    ]);
    clearTimeout(abortTimer);
    return { completed: false };
  }

  #schedule(ref: StreamRef): Admission {
    if (this.has(ref.sha256)) return 'duplicate';
    this.#waiting.set(ref.sha256, ref);
    void this.#queue.add(async () => {
      // Dropped from the line (halt) after p-queue had already picked the task: do nothing.
      if (!this.#waiting.delete(ref.sha256)) return;
      const controller = new AbortController();
      this.#running.set(ref.sha256, controller);
      const startedAt = performance.now();
      const done = this.#options.run(ref, controller.signal).then(
        (result) => {
          this.#running.delete(ref.sha256);
          this.#settled.delete(done);
          if (result === 'destination-unavailable') {
            if (controller.signal.aborted || this.#stopped) return;
            if (startedAt >= this.#roundStartedAt) this.#startRound();
            this.#schedule(ref);
          } else if (startedAt >= this.#roundStartedAt) {
            this.#rounds = 0;
          }
        },
        () => {
          this.#running.delete(ref.sha256);
          this.#settled.delete(done);
        },
      );
      this.#settled.add(done);
      await done;
    });
    return 'queued';
  }

  /** Pauses the queue for the next back-off round; copies started before it do not count. */
  #startRound(): void {
    this.#rounds += 1;
    this.#roundStartedAt = performance.now();
    const ms = this.#delayOf(this.#rounds);
    this.#queue.pause();
    clearTimeout(this.#resumeTimer);
    this.#resumeTimer = setTimeout(() => this.#queue.start(), ms);
    this.#resumeTimer.unref();
  }

  #delayOf(round: number): number {
    const { minDelayMs, maxDelayMs } = this.#options.destinationBackoff;
    return Math.min(maxDelayMs, minDelayMs * 2 ** Math.min(30, round - 1));
  }
}
