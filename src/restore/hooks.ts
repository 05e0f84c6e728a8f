import { spawn } from 'node:child_process';
import type { RestoreScope } from './restore-plan.js';

export type HookOutcome =
  | { kind: 'not-configured' }
  | { kind: 'succeeded' }
  | { kind: 'failed'; message: string };

export interface HookOptions {
  readonly command: string;
  readonly phase: 'pre' | 'post';
  readonly scope: RestoreScope;
  /** The environment the CLI was given; the scope is added to it. */
  readonly env: NodeJS.ProcessEnv;
  /** Where the hook's stdout and stderr go: stderr, because stdout carries --json progress. */
  readonly output: NodeJS.WritableStream;
  readonly timeoutMs: number;
  /** Post hook only: the restore's exit code. */
  readonly exitCode?: number;
}

/** Environment a hook sees: what is being restored, so one script can serve several scopes. */
export function hookEnvironment(options: Pick<HookOptions, 'phase' | 'scope' | 'exitCode'>): Record<string, string> {
  const { scope } = options;
  const env: Record<string, string> = {
    RESTORE_HOOK_PHASE: options.phase,
    RESTORE_SCOPE_SOURCES: scope.sources.join(','),
    RESTORE_SCOPE_EVENTS: scope.events.join(','),
    RESTORE_SCOPE_WHAT: scope.what,
    RESTORE_SCOPE_SINCE: scope.sinceMs === undefined ? '' : new Date(scope.sinceMs).toISOString(),
    RESTORE_SCOPE_UNTIL: scope.untilMs === undefined ? '' : new Date(scope.untilMs).toISOString(),
    RESTORE_SCOPE_OFFSETS: (scope.offsetRanges ?? []).map((r) => `${r.topic}:${r.partition}:${r.from}-${r.to}`).join(','),
  };
  if (options.exitCode !== undefined) env.RESTORE_EXIT_CODE = String(options.exitCode);
  return env;
}

/** Runs a hook with `/bin/sh -c`; a non-zero exit, a signal or the timeout count as failure. */
export async function runHook(options: HookOptions): Promise<HookOutcome> {
  if (options.command.trim() === '') return { kind: 'not-configured' };
  return new Promise<HookOutcome>((resolve) => {
    // Its own process group, so the timeout kills what the shell started too: a child still holding
    // the hook's output would otherwise keep the restore waiting after the shell was killed.
    const child = spawn('/bin/sh', ['-c', options.command], {
      env: { ...options.env, ...hookEnvironment(options) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout.on('data', (chunk: Buffer) => options.output.write(chunk));
    child.stderr.on('data', (chunk: Buffer) => options.output.write(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL'); // the group is gone already: at most the shell is left
      }
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ kind: 'failed', message: `${options.phase} hook could not start: ${error.message}` });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) resolve({ kind: 'failed', message: `${options.phase} hook: expected it to finish within ${options.timeoutMs / 1000} s, it was killed` });
      else if (code === 0) resolve({ kind: 'succeeded' });
      else resolve({ kind: 'failed', message: `${options.phase} hook: expected exit code 0, got ${code ?? `signal ${signal}`}` });
    });
  });
}
