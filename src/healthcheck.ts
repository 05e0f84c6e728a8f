// The image's HEALTHCHECK: probes the backup daemon's /healthz, and passes for a container that
// runs anything else (a restore serves no health endpoint). Exit 0 healthy, 1 unhealthy, as
// Docker expects. The optional argument replaces /proc/1/cmdline (tests give their own).
import { readFileSync } from 'node:fs';
import { planHealthcheck } from './observability/healthcheck-plan.js';

/** Below the Dockerfile's `HEALTHCHECK --timeout=5s`, so the reason is printed before Docker gives up. */
const PROBE_TIMEOUT_MS = 4000;

function readCmdline(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch (error) {
    // Not knowing what runs: assume the default, the daemon, and probe it.
    process.stdout.write(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}); assuming the backup daemon\n`);
    return 'node\0cli.js\0';
  }
}

const plan = planHealthcheck({
  cmdline: readCmdline(process.argv[2] ?? '/proc/1/cmdline'),
  mode: process.env.STREAMVAULT_MODE,
  metricsEnabled: process.env.STREAMVAULT_METRICS_ENABLED,
  metricsPort: process.env.STREAMVAULT_METRICS_PORT,
  metricsHost: process.env.STREAMVAULT_METRICS_HOST,
});

if (plan.kind === 'skip') {
  process.stdout.write(`healthy: ${plan.reason}\n`);
  process.exitCode = 0;
} else {
  try {
    const response = await fetch(plan.url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    process.stdout.write(`${response.ok ? 'healthy' : 'unhealthy'}: ${plan.url} answered ${response.status}\n`);
    process.exitCode = response.ok ? 0 : 1;
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    process.stdout.write(`unhealthy: ${plan.url} did not answer: ${cause}\n`);
    process.exitCode = 1;
  }
}
