#!/usr/bin/env node
import { runCli } from './commands/program.js';
import { ExitCode } from './exit-codes.js';

try {
  process.exitCode = await runCli(process.argv.slice(2), {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: Boolean(process.stdout.isTTY),
  });
} catch (error) {
  process.stderr.write(`streamvault: unexpected failure: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = ExitCode.failure;
}
