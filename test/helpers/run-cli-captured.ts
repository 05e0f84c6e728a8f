import { PassThrough } from 'node:stream';
import { runCli } from '../../src/commands/program.js';

/** Runs the CLI in this process (no TTY) and returns its exit code and everything it printed. */
export async function runCliCaptured(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await runCli(argv, { env, stdout, stderr, isTTY: false });
  return { code, out, err };
}
