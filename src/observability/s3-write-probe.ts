import { IntervalLoop } from './interval-loop.js';
import type { Logger } from './logger.js';

export type ProbeStatus =
  | { kind: 'unknown' }
  | { kind: 'ok'; at: number }
  | { kind: 'failed'; error: string; since: number };

/** What the probe asks of the backup bucket's store: one write. src/storage/object-store.ts ObjectStore satisfies it. */
export interface ProbeStore {
  put(key: string, body: Buffer, options?: { readonly contentType?: string }): Promise<void>;
}

export interface S3WriteProbeDeps {
  readonly store: ProbeStore;
  /** From KeyLayout.readinessProbeKey. */
  readonly key: string;
  /** Milliseconds between probes. */
  readonly intervalMs: number;
  /** Milliseconds a probe may take before it counts as failed (the SDK's own retries can take long). */
  readonly timeoutMs: number;
  readonly wallNow: () => number;
  readonly logger: Logger;
  /** Called when a write succeeds after failures (the bucket is writable again). */
  readonly onRecovered?: () => void;
}

/**
 * Proves the bucket is writable by rewriting one tiny object on an interval. A HEAD would only
 * prove it is reachable; the daemon needs to write. The status flips on the first failure and
 * back on the first success, and each flip is logged once.
 */
export class S3WriteProbe {
  readonly #deps: S3WriteProbeDeps;
  #status: ProbeStatus = { kind: 'unknown' };
  #loop: IntervalLoop | undefined;
  #inFlight: Promise<ProbeStatus> | undefined;

  constructor(deps: S3WriteProbeDeps) {
    this.#deps = deps;
  }

  get status(): ProbeStatus {
    return this.#status;
  }

  start(): void {
    this.#loop ??= new IntervalLoop(() => this.probe(), {
      intervalMs: this.#deps.intervalMs,
      runAtStart: true,
      onError: (error) => this.#deps.logger.error({ err: error }, 'S3 write probe failed unexpectedly'),
    });
    this.#loop.start();
  }

  /** Stops the schedule; a probe in flight finishes on its own (it has its own timeout). */
  stop(): void {
    void this.#loop?.stop();
  }

  /** One probe; callers during a probe in flight share it. */
  probe(): Promise<ProbeStatus> {
    this.#inFlight ??= this.#probeOnce().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #probeOnce(): Promise<ProbeStatus> {
    const { store, key, timeoutMs, wallNow, logger } = this.#deps;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`expected the probe write to finish within ${timeoutMs} ms, it did not`)), timeoutMs);
    });
    const write = store.put(key, Buffer.from(`${new Date(wallNow()).toISOString()}\n`), { contentType: 'text/plain' });
    write.catch(() => {}); // a write that outlives the timeout must not become an unhandled rejection
    try {
      await Promise.race([write, timeout]);
      const recovered = this.#status.kind === 'failed';
      this.#status = { kind: 'ok', at: wallNow() };
      if (recovered) {
        logger.info({ key }, 'S3 is writable again; ready');
        this.#deps.onRecovered?.();
      }
    } catch (error) {
      const message = (error as Error).message || (error as Error).name;
      if (this.#status.kind !== 'failed') {
        logger.warn({ key, err: error }, 'S3 readiness probe failed; not ready until a write succeeds');
        this.#status = { kind: 'failed', error: message, since: wallNow() };
      } else {
        this.#status = { ...this.#status, error: message };
      }
    } finally {
      clearTimeout(timer);
    }
    return this.#status;
  }
}
