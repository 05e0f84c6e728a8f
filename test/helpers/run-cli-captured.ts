import { PassThrough } from 'node:stream';
import { runCli } from '../../src/commands/program.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { ProcessSignals } from '../../src/process-signals.js';

export interface CapturedRunOptions {
  /** The backup bucket the commands read and write instead of the configured S3 bucket (e.g. a MemoryObjectStore). */
  readonly store?: ObjectStore;
}

/** Runs the CLI in this process (no TTY) and returns its exit code and everything it printed. */
export async function runCliCaptured(
  argv: string[],
  env: NodeJS.ProcessEnv = {},
  options: CapturedRunOptions = {},
): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  // Signal routing as in the CLI, but never installed on this (the test runner's) process.
  const signals = new ProcessSignals({
    exit: (exitCode) => {
      throw new Error(`expected no signal in an in-process CLI run, got one that would exit with ${exitCode}`);
    },
    stderr,
  });
  const store = options.store;
  const code = await runCli(argv, { env, stdout, stderr, isTTY: false, signals, ...(store ? { openStore: () => store } : {}) });
  return { code, out, err };
}
