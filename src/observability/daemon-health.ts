import { Registry } from 'prom-client';
import type { Config } from '../config/load-config.js';
import { startHealthServer, type HealthServer, type Readiness } from './health-server.js';
import type { Logger } from './logger.js';

/**
 * The daemon's `/metrics`, `/healthz` and `/readyz`, served from the first moment of a run: a
 * liveness probe must not kill a daemon that is still waiting for its brokers (that wait is
 * bounded by STREAMVAULT_KAFKA_CONNECT_TIMEOUT_SECONDS and ends with its own clear error).
 * Until the daemon's readiness is plugged in, `/readyz` answers 503 with what is being done.
 */
export interface DaemonHealth {
  readonly registry: Registry;
  /** The bound port, undefined when STREAMVAULT_METRICS_ENABLED=false. */
  readonly port: number | undefined;
  /** What `/readyz` answers from now on. */
  setReadiness(readiness: () => Readiness): void;
  /** Says on `/readyz` what the start is doing while the daemon's readiness is not plugged in. */
  setStarting(step: string): void;
  /** Closes the server. Safe to call twice. */
  close(): Promise<void>;
}

export type StartDaemonHealthResult = { kind: 'started'; health: DaemonHealth } | { kind: 'refused'; message: string };

export async function startDaemonHealth(config: Pick<Config, 'METRICS_ENABLED' | 'METRICS_HOST' | 'METRICS_PORT'>, logger: Logger): Promise<StartDaemonHealthResult> {
  const registry = new Registry();
  let step = 'starting';
  let readiness: (() => Readiness) | undefined;
  const current = (): Readiness => readiness?.() ?? { ready: false, reasons: [`daemon is starting: ${step}`] };
  let server: HealthServer | undefined;
  if (config.METRICS_ENABLED) {
    try {
      server = await startHealthServer({ registry, readiness: current, host: config.METRICS_HOST, port: config.METRICS_PORT });
    } catch (error) {
      return {
        kind: 'refused',
        message: `cannot serve metrics on ${config.METRICS_HOST}:${config.METRICS_PORT}: ${(error as Error).message}; set STREAMVAULT_METRICS_PORT to a free port or STREAMVAULT_METRICS_ENABLED=false`,
      };
    }
    logger.info({ host: config.METRICS_HOST, port: server.port }, 'metrics and health listening (/metrics, /healthz, /readyz)');
  }
  return {
    kind: 'started',
    health: {
      registry,
      port: server?.port,
      setReadiness: (next) => {
        readiness = next;
      },
      setStarting: (next) => {
        step = next;
      },
      close: async () => server?.close(),
    },
  };
}
