import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { Logger } from './observability/logger.js';

export const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;
export type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number];

/** What a command sees of the process's signal handling (CliEnvironment.signals). */
export interface ShutdownSignals {
  /**
   * From now on the first SIGTERM/SIGINT calls `stop` (an ordered shutdown, logged on `logger`);
   * a second exits at once with 130: everything acknowledged is in S3 or the journal already, so
   * abandoning in-flight work loses nothing.
   */
  routeToShutdown(logger: Logger, stop: (signal: ShutdownSignal) => void): void;
  /** The run's exit code is decided; what is left is closing. A signal from now on exits at once with `code`. */
  decided(code: ExitCodeValue): void;
}

type Route =
  | { kind: 'immediate' }
  | { kind: 'shutdown'; logger: Logger; stop: (signal: ShutdownSignal) => void; requested: boolean }
  | { kind: 'decided'; code: ExitCodeValue };

export interface ProcessSignalsDeps {
  /** Ends the process (process.exit): never by the signal's default action, which is status 143. */
  readonly exit: (code: ExitCodeValue) => void;
  /** Where a signal that ends a command without an ordered shutdown is said. */
  readonly stderr: NodeJS.WritableStream;
}

/**
 * The one owner of SIGTERM and SIGINT for the whole life of the process. cli.ts installs it before
 * a command runs and never removes its listeners: Node restores the default action (killed, 143)
 * the moment a signal's last listener goes, so handlers that come and go with a command leave
 * moments in which an orchestrator's late signal turns a finished run into 143. Commands only
 * change where a signal goes:
 * - at first (startup, or a command with no ordered shutdown such as restore): exit at once, 130;
 * - after `routeToShutdown`: the first signal stops in order, a second exits at once, 130;
 * - after `decided(code)`: exit at once with `code`.
 */
export class ProcessSignals implements ShutdownSignals {
  readonly #deps: ProcessSignalsDeps;
  #route: Route = { kind: 'immediate' };

  constructor(deps: ProcessSignalsDeps) {
    this.#deps = deps;
  }

  /** Listens on `target` (the process) for good; call once, before any command runs. */
  install(target: Pick<NodeJS.Process, 'on'> = process): void {
    for (const signal of SHUTDOWN_SIGNALS) target.on(signal, () => this.handle(signal));
  }

  routeToShutdown(logger: Logger, stop: (signal: ShutdownSignal) => void): void {
    if (this.#route.kind === 'decided') return;
    this.#route = { kind: 'shutdown', logger, stop, requested: false };
  }

  decided(code: ExitCodeValue): void {
    this.#route = { kind: 'decided', code };
  }

  /** What a received signal does, by the current route. */
  handle(signal: ShutdownSignal): void {
    const route = this.#route;
    switch (route.kind) {
      case 'decided':
        this.#deps.exit(route.code);
        return;
      case 'immediate':
        this.#deps.stderr.write(`streamvault: ${signal} before an ordered shutdown could start (or in a command without one): exiting now\n`);
        this.#deps.exit(ExitCode.interrupted);
        return;
      case 'shutdown':
        if (!route.requested) {
          route.requested = true;
          route.logger.info({ signal }, 'shutdown requested; a second signal exits at once');
          route.stop(signal);
          return;
        }
        route.logger.warn({ signal }, 'second signal: exiting now; unfinished work stays journaled');
        this.#deps.exit(ExitCode.interrupted);
    }
  }
}
