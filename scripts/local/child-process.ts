import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';

// Servers started by tests must never outlive the test run: a leftover kcat keeps ports and CPU
// busy and makes the next run's failures confusing. Two layers: Linux's parent-death signal
// (covers a worker that is SIGKILLed or crashes), and an exit hook (covers other platforms).
const SETPRIV = '/usr/bin/setpriv';
const canTieToParent = process.platform === 'linux' && existsSync(SETPRIV);
const live = new Set<ChildProcess>();

process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Spawns a process that is killed when this process exits, however it exits. */
export function spawnTied(command: string, args: string[], options: SpawnOptions): ChildProcess {
  // setpriv execs the command, so the pid we get is the server's own pid.
  const child = canTieToParent
    ? spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args], options)
    : spawn(command, args, options);
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

/**
 * Sends SIGTERM, then SIGKILL after `graceMs` (milliseconds, default 5000), and resolves once the
 * process has exited. Safe to call on a process that already exited.
 */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Keeps the last `limit` characters of a chatty stream, for error messages. */
export class OutputTail {
  #text = '';
  readonly #limit: number;

  constructor(limit = 8_000) {
    this.#limit = limit;
  }

  push(chunk: string): void {
    this.#text = (this.#text + chunk).slice(-this.#limit);
  }

  toString(): string {
    return this.#text;
  }
}
