import type { Logger } from '../observability/logger.js';

interface Deferred {
  readonly name: string;
  readonly close: () => unknown;
}

/** One close step that failed: `closeAll` logs it and goes on with the rest. */
export interface CloseFailure {
  readonly name: string;
  readonly error: unknown;
}

/** What `closeAll` did: every part it closed (failed or not), in the order it closed them, and the failures. */
export interface CloseReport {
  readonly closed: readonly string[];
  readonly failures: readonly CloseFailure[];
}

/**
 * What a run opened, closed from one list in reverse order (the last opened is closed first, as it
 * may use what was opened before it). A part registers its close right after it is made, so a run
 * that refuses half-way just returns: `closeAll` closes exactly what was opened by then.
 * Every step runs even when one before it fails (bullmq's worker `close()`); a second `closeAll`
 * returns the first one's promise instead of closing again.
 */
export class ResourceStack {
  readonly #logger: Logger;
  readonly #entries: Deferred[] = [];
  #closing: Promise<CloseReport> | undefined;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Registers `close` of the part `name` (a name for the log line of a failed close). */
  defer(name: string, close: () => unknown): void {
    if (this.#closing) throw new Error(`expected to defer '${name}' before closeAll, got it after: the run is closing`);
    this.#entries.push({ name, close });
  }

  /** Closes every registered part, last first; resolves with what it closed and the failures (each also logged), never rejects. */
  closeAll(): Promise<CloseReport> {
    this.#closing ??= this.#closeInReverse();
    return this.#closing;
  }

  async #closeInReverse(): Promise<CloseReport> {
    const closed: string[] = [];
    const failures: CloseFailure[] = [];
    for (const { name, close } of [...this.#entries].reverse()) {
      closed.push(name);
      try {
        await close();
      } catch (error) {
        this.#logger.warn({ err: error, part: name }, `closing ${name} failed; closing the rest`);
        failures.push({ name, error });
      }
    }
    return { closed, failures };
  }
}

/** Runs `body` with a fresh stack and closes it afterwards, however `body` ends. */
export async function withResources<T>(logger: Logger, body: (resources: ResourceStack) => Promise<T>): Promise<T> {
  const resources = new ResourceStack(logger);
  try {
    return await body(resources);
  } finally {
    await resources.closeAll();
  }
}
