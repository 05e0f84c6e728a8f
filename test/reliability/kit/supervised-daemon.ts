import { withCleanup } from '../../helpers/cleanup.js';
import { spawnStreamvault, type StreamvaultProcess } from '../../helpers/streamvault-process.js';

/**
 * The backup daemon under a supervisor, the way Kubernetes runs it: when it exits it is started
 * again (each unplanned exit counted as a crash), until `stop()`.
 */
export class SupervisedDaemon {
  readonly #env: Record<string, string>;
  #current: StreamvaultProcess | undefined;
  #stopping = false;
  #loop: Promise<void> | undefined;
  crashes = 0;
  runs = 0;
  readonly exitCodes: number[] = [];

  constructor(env: Record<string, string>) {
    this.#env = env;
  }

  start(): this {
    this.#loop = (async () => {
      while (!this.#stopping) {
        const daemon = withCleanup(spawnStreamvault(['backup'], this.#env));
        this.#current = daemon;
        this.runs += 1;
        const code = await daemon.exited;
        if (this.#stopping) {
          this.exitCodes.push(code);
          if (code !== 0) this.crashes += 1;
          return;
        }
        this.exitCodes.push(code);
        this.crashes += 1;
      }
    })();
    return this;
  }

  get current(): StreamvaultProcess | undefined {
    return this.#current;
  }

  /** `http://127.0.0.1:port` of the running daemon's health server, once it logged it. */
  async healthBase(timeoutMs = 30_000): Promise<string | undefined> {
    const daemon = this.#current;
    if (!daemon) return undefined;
    try {
      const line = await daemon.waitForLog((l) => l.msg.startsWith('metrics and health listening'), timeoutMs);
      return `http://127.0.0.1:${line.port as number}`;
    } catch {
      return undefined;
    }
  }

  /** The body of the last /readyz answer (its reasons when not ready). */
  lastReadyzBody = '';

  /** HTTP status of /readyz of the running daemon; 0 when it does not answer within 3 s. */
  async readyz(): Promise<number> {
    const base = await this.healthBase(3_000);
    if (!base) return 0;
    try {
      const answer = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(3_000) });
      this.lastReadyzBody = await answer.text();
      return answer.status;
    } catch {
      return 0;
    }
  }

  /**
   * SIGTERM, and waits for the supervisor loop to end; a daemon still running after `graceMs`
   * (default 45 s) is SIGKILLed (its exit, 137, counts as a crash).
   */
  async stop(graceMs = 45_000): Promise<void> {
    this.#stopping = true;
    const daemon = this.#current;
    daemon?.child.kill('SIGTERM');
    const timer = setTimeout(() => daemon?.child.kill('SIGKILL'), graceMs);
    try {
      await this.#loop;
    } finally {
      clearTimeout(timer);
    }
  }
}
