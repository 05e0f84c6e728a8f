#!/usr/bin/env node
// The SDK warns on every Node 20 start that future releases need Node 22; the image runs Node 24
// and the notice would only bury the daemon's own first log lines.
process.env.AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING ??= '1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

import { exitCodeOf } from './errors/exit-code-of.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import { ProcessSignals } from './process-signals.js';

// SIGTERM and SIGINT are handled from here to the last instruction, by one owner whose listeners
// are never removed (see process-signals.ts); commands only say where a signal goes. The program
// and its libraries load after, so a signal while they load is handled too.
const signals = new ProcessSignals({ exit: (code) => process.exit(code), stderr: process.stderr });
signals.install(process);

// A reader that stops early (`streamvault get events ... | head`, `--help | head`) is not a failure
// and deserves no stack trace: stop at once with the code chosen so far. Nothing is lost by it: the
// daemon commits only what is durable.
for (const output of [process.stdout, process.stderr]) {
  output.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? ExitCode.ok);
  });
}

let exitCode: ExitCodeValue;
try {
  const { runCli } = await import('./commands/program.js');
  exitCode = await runCli(process.argv.slice(2), {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: Boolean(process.stdout.isTTY),
    signals,
  });
} catch (error) {
  process.stderr.write(`streamvault: unexpected failure: ${(error as Error).stack ?? String(error)}\n`);
  exitCode = exitCodeOf(error);
}
process.exitCode = exitCode;
signals.decided(exitCode);

// The process ends here, by process.exit, not by the event loop running dry: at a natural exit Node
// closes its signal listeners before the process is gone, and a signal in that moment is 143.
// What was written is flushed first (a pipe to a slow reader may still hold some of stdout).
await Promise.all([process.stdout, process.stderr].map((output) => new Promise<void>((resolve) => output.write('', () => resolve()))));
process.exit(exitCode);
