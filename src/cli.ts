#!/usr/bin/env node
// The SDK warns on every Node 20 start that future releases need Node 22; the image runs Node 24
// and the notice would only bury the daemon's own first log lines.
process.env.AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING ??= '1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

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

// The work is done and its exit code set; the process may still be closing sockets. A signal
// now (an orchestrator's second SIGTERM) must not turn a finished run into 143: exit with the
// code already decided.
const exitAsDecided = () => process.exit(process.exitCode ?? ExitCode.ok);
process.once('SIGTERM', exitAsDecided);
process.once('SIGINT', exitAsDecided);
