import { PassThrough } from 'node:stream';
import { runCli } from '../../src/commands/program.js';
import { ProcessSignals } from '../../src/process-signals.js';

/** Runs the CLI in this process (no TTY) and returns its exit code and everything it printed. */
export async function runCliCaptured(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
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
  const code = await runCli(argv, { env, stdout, stderr, isTTY: false, signals });
  return { code, out, err };
}
