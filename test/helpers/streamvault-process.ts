import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { spawnTied, stopChild } from './child-process.js';

const CLI = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));

export interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

export interface StreamvaultProcess {
  readonly child: ChildProcess;
  /** Parsed pino lines from stderr, in arrival order. */
  readonly logs: LogLine[];
  /** Raw stdout (JSON progress lines when --json). */
  stdout(): string;
  /** Non-JSON stderr text (commander errors, config problems). */
  stderrText(): string;
  /** Resolves with the first log line matching, or rejects after `timeoutMs`. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the exit code (or 128 + signal number). */
  readonly exited: Promise<number>;
  stop(): Promise<void>;
}

const SIGNALS: Record<string, number> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2 };

/**
 * Runs the built CLI (`npm test` builds first) as a real process, so that signals, exit codes and
 * crash recovery are tested the way an orchestrator sees them.
 */
export function spawnStreamvault(args: string[], env: Record<string, string>): StreamvaultProcess {
  const child = spawnTied(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const waiters = new Set<{ predicate: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();
  let stdout = '';
  let stderrText = '';
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const text of lines) {
      let line: LogLine | undefined;
      try {
        const parsed = JSON.parse(text) as LogLine;
        if (parsed && typeof parsed === 'object' && 'msg' in parsed) line = parsed;
      } catch {
        // not a log line
      }
      if (!line) {
        stderrText += `${text}\n`;
        continue;
      }
      logs.push(line);
      for (const waiter of waiters) {
        if (waiter.predicate(line)) {
          waiters.delete(waiter);
          waiter.resolve(line);
        }
      }
    }
  });
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? 128 + (SIGNALS[signal ?? ''] ?? 0)));
  });
  return {
    child,
    logs,
    stdout: () => stdout,
    stderrText: () => stderrText,
    exited,
    waitForLog(predicate, timeoutMs = 30_000) {
      const found = logs.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = { predicate, resolve };
        waiters.add(waiter);
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(
              `no matching log line within ${timeoutMs} ms; last lines:\n${logs
                .slice(-15)
                .map((l) => JSON.stringify(l))
                .join('\n')}\n${stderrText.slice(-2000)}`,
            ),
          );
        }, timeoutMs);
        exited.then(() => {
          // Let stderr drain, then fail fast instead of waiting for the timeout.
          setTimeout(() => {
            if (!waiters.has(waiter)) return;
            waiters.delete(waiter);
            clearTimeout(timer);
            reject(new Error(`process exited before a matching log line; stderr:\n${stderrText.slice(-2000)}\n${logs.slice(-10).map((l) => JSON.stringify(l)).join('\n')}`));
          }, 200);
        });
        const originalResolve = waiter.resolve;
        waiter.resolve = (line) => {
          clearTimeout(timer);
          originalResolve(line);
        };
      });
    },
    stop: () => stopChild(child, 30_000),
  };
}
