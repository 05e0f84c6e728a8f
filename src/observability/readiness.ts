import type { Readiness } from './health-server.js';
import type { ProbeStatus } from './s3-write-probe.js';

/** Where the backup daemon is in its life (src/backup/backup-daemon.ts); ready only while running. */
export type DaemonState = 'starting' | 'running' | 'draining' | 'stopped' | 'failed';

/** Where one pair worker is (src/backup/pair-worker.ts); ready only while running. */
export type WorkerState = 'idle' | 'running' | 'draining' | 'stopped' | 'failed';

export interface ReadinessSources {
  readonly daemonState: () => DaemonState;
  readonly workers: ReadonlyArray<{ readonly pair: { source: string; event: string }; readonly state: WorkerState }>;
  readonly s3: () => ProbeStatus;
  /** Conditions set by components (state directory full, backup bucket unreachable, stuck partition). */
  readonly problems?: () => readonly string[];
}

/**
 * Ready = the daemon runs (not starting, not draining), every worker consumes, S3 takes writes, and
 * no component reports a condition under which nothing can be committed (ReadinessProblems).
 */
export function readinessOf(sources: ReadinessSources): Readiness {
  const reasons: string[] = [];
  const state = sources.daemonState();
  if (state !== 'running') reasons.push(`daemon is ${state}, expected running`);
  for (const w of sources.workers) {
    if (w.state !== 'running') reasons.push(`worker ${w.pair.source}/${w.pair.event} is ${w.state}, expected running`);
  }
  const s3 = sources.s3();
  if (s3.kind === 'unknown') reasons.push('S3 writability not probed yet');
  else if (s3.kind === 'failed') reasons.push(`S3 not writable since ${new Date(s3.since).toISOString()}: ${s3.error}`);
  reasons.push(...(sources.problems?.() ?? []));
  return { ready: reasons.length === 0, reasons };
}
