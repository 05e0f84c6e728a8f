/** Why a backup run stops. */
export type StopReason =
  | { kind: 'signal'; signal: string }
  | { kind: 'fatal'; error: Error }
  | { kind: 'streams'; reason: string }
  | { kind: 'done' };

/**
 * Where every part of a backup run asks it to stop (a signal, a fatal consumer error, the stream
 * pipeline, `--once` being done), made before any of them, so no part needs the daemon that is
 * created after it. The first request wins; later ones are ignored.
 */
export class StopRequests {
  #reason: StopReason | undefined;
  #resolve: ((reason: StopReason) => void) | undefined;
  /** Resolves with the first request's reason. */
  readonly stopped: Promise<StopReason>;

  constructor() {
    this.stopped = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  /** The first request's reason, undefined before any. */
  get reason(): StopReason | undefined {
    return this.#reason;
  }

  request(reason: StopReason): void {
    if (this.#reason) return;
    this.#reason = reason;
    this.#resolve?.(reason);
  }
}
