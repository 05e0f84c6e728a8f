#!/usr/bin/env node
// The SDK warns on every Node 20 start that future releases need Node 22; the image runs Node 24
// and the notice would only bury the daemon's own first log lines.
process.env.AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING ??= '1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

import { runCli } from './commands/program.js';
import { ExitCode } from './exit-codes.js';

// A reader that stops early (`streamvault get events ... | head`, `--help | head`) is not a failure
// and deserves no stack trace: stop at once with the code chosen so far. Nothing is lost by it: the
// daemon commits only what is durable.
for (const output of [process.stdout, process.stderr]) {
  output.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? ExitCode.ok);
  });
}

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

// The work is done and its exit code set; the process may still be closing sockets. A signal
// now (an orchestrator's second SIGTERM) must not turn a finished run into 143: exit with the
// code already decided.
const exitAsDecided = () => process.exit(process.exitCode ?? ExitCode.ok);
process.once('SIGTERM', exitAsDecided);
process.once('SIGINT', exitAsDecided);
