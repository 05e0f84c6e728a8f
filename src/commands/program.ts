import { Command, CommanderError } from 'commander';
import { variablesHelpText } from '../config/describe-variables.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { VERSION } from '../version.js';
import { registerBackupCommand } from './backup-command.js';
import { registerGetCommand } from './get-command.js';
import { registerRestoreCommand } from './restore-command.js';
import { registerStreamsCommand } from './streams-command.js';
import { registerStatsCommand } from './stats-command.js';
import { registerVerifyCommand } from './verify-command.js';
import type { CliEnvironment } from './command-context.js';

const EXIT_CODES_HELP = `
Exit codes:
  0    done (or the daemon stopped cleanly on a signal)
  1    unexpected failure; see the log
  2    invalid configuration or arguments; every problem is printed
  3    the backup bucket does not exist, or holds no backup under the prefix
  4    partial: some items failed or are damaged; they are listed
  5    the daemon stopped after too many consecutive stream failures; restart it
  6    the state directory is not writable
  130  a second signal forced an immediate exit`;

/** Parses argv and runs one command. Returns the exit code instead of exiting, for tests. */
export async function runCli(argv: readonly string[], cli: CliEnvironment): Promise<ExitCodeValue> {
  let exitCode: ExitCodeValue = ExitCode.ok;
  const setExit = (code: ExitCodeValue) => {
    exitCode = code;
  };
  const program = new Command()
    .name('streamvault')
    .description('Streaming backup of Kafka events and the content blobs they reference, into S3; and their restore.')
    .version(VERSION)
    .configureOutput({
      writeOut: (s) => cli.stdout.write(s),
      writeErr: (s) => cli.stderr.write(s),
    })
    .exitOverride()
    .addHelpText('after', `\nConfiguration (environment variables):\n${variablesHelpText()}\n${EXIT_CODES_HELP}\n`);

  registerBackupCommand(program, cli, setExit);
  registerRestoreCommand(program, cli, setExit);
  registerStreamsCommand(program, cli, setExit);
  registerVerifyCommand(program, cli, setExit);
  registerStatsCommand(program, cli, setExit);
  registerGetCommand(program, cli, setExit);

  for (const command of program.commands) {
    command.exitOverride().addHelpText('after', `\nConfiguration (environment variables):\n${variablesHelpText()}\n`);
  }

  const args = [...argv];
  if (args.length === 0) args.push(cli.env.STREAMVAULT_MODE?.trim().toLowerCase() || 'backup');
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
        return ExitCode.ok;
      }
      return ExitCode.badConfiguration;
    }
    throw error;
  }
  return exitCode;
}
