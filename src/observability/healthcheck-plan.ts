/**
 * What the image's HEALTHCHECK should do in a given container. The image runs the backup daemon
 * or a restore (or any other command), but only the daemon serves `/healthz`; a restore checked
 * against it would be marked unhealthy for doing its job. Pure and free of imports from the rest
 * of src, so the health check process stays small and this is testable with any command line.
 */

/** The default of STREAMVAULT_METRICS_PORT (a test keeps the two equal). */
export const DEFAULT_METRICS_PORT = '9464';

export interface HealthcheckInputs {
  /** The main process's command line as /proc/1/cmdline holds it: arguments ended by NUL bytes. */
  readonly cmdline: string;
  /** The container's STREAMVAULT_MODE, METRICS_ENABLED, METRICS_PORT, METRICS_HOST (unset: undefined). */
  readonly mode: string | undefined;
  readonly metricsEnabled: string | undefined;
  readonly metricsPort: string | undefined;
  readonly metricsHost: string | undefined;
}

export type HealthcheckPlan = { kind: 'probe'; url: string } | { kind: 'skip'; reason: string };

/**
 * The command the CLI runs: the argument after the script `cli.js`, else (no argument) the one
 * STREAMVAULT_MODE names, `backup` by default, as the CLI itself decides. Anything before the
 * script (node's own options, an init such as docker-init or tini with `--`) is skipped.
 * Undefined when the main process is not the streamvault CLI at all.
 */
export function containerCommand(cmdline: string, mode: string | undefined): string | undefined {
  const args = cmdline.split('\0');
  if (args.at(-1) === '') args.pop();
  const script = args.findIndex((arg) => arg === 'cli.js' || arg.endsWith('/cli.js'));
  if (script < 0) return undefined;
  const next = args[script + 1];
  if (next !== undefined) return next;
  return mode?.trim().toLowerCase() || 'backup';
}

export function planHealthcheck(inputs: HealthcheckInputs): HealthcheckPlan {
  const command = containerCommand(inputs.cmdline, inputs.mode);
  if (command === undefined) {
    const shown = inputs.cmdline.split('\0').filter((a) => a !== '').join(' ');
    return { kind: 'skip', reason: `the main process is not the streamvault CLI (${shown || 'empty command line'}): nothing to check` };
  }
  if (command !== 'backup') return { kind: 'skip', reason: `\`${command}\` serves no health endpoint (only the backup daemon does): nothing to check` };
  const enabled = (inputs.metricsEnabled ?? 'true').trim().toLowerCase();
  if (['false', '0', 'no'].includes(enabled)) {
    return { kind: 'skip', reason: 'STREAMVAULT_METRICS_ENABLED is off, so the daemon serves no /healthz: nothing to check' };
  }
  const port = inputs.metricsPort?.trim() || DEFAULT_METRICS_PORT;
  const listen = inputs.metricsHost?.trim() ?? '';
  // A wildcard address is reachable on loopback; a specific one only on itself.
  const host = listen === '' || listen === '0.0.0.0' || listen === '::' ? '127.0.0.1' : listen;
  return { kind: 'probe', url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/healthz` };
}
