import { Command, CommanderError } from 'commander';
import { variablesHelpText } from '../config/describe-variables.js';
import { ENV_PREFIX, type VariableGroup } from '../config/variable.js';
import { exitCodeOf } from '../errors/exit-code-of.js';
import { StreamvaultError } from '../errors/streamvault-error.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { VERSION } from '../version.js';
import { registerBackupCommand } from './backup-command.js';
import { registerDrillCommand } from './drill-command.js';
import { registerGetCommand } from './get-command.js';
import { registerPruneCommand } from './prune-command.js';
import { registerRestoreCommand } from './restore-command.js';
import { registerStreamsCommand } from './streams-command.js';
import { registerStatsCommand } from './stats-command.js';
import { registerVerifyCommand } from './verify-command.js';
import { refuse, type CliEnvironment } from './command-context.js';

const EXIT_CODES_HELP = `
Exit codes:
  0    done (or the daemon stopped cleanly on a signal)
  1    unexpected failure, or the Kafka brokers could not be reached; see the log (safe to retry)
  2    invalid configuration or arguments; every problem is printed
  3    the backup bucket does not exist, or holds no backup under the prefix
  4    partial: some items failed or are damaged; they are listed (drill: the restore differs from the backup)
  5    no longer used (stream failures no longer stop the daemon; /readyz reports them)
  6    the state directory is missing or not writable, or its journal could make nothing more durable
  7    restore: a consumer group to receive translated offsets is not empty in the target;
       its offsets were left unchanged (stop its consumers, rerun with --what offsets)
  8    the location is locked: prune found another prune or a writing backup daemon,
       or backup found a running prune; nothing was deleted or written (retry later)
  130  a signal forced an immediate exit (a second one during the daemon's ordered shutdown,
       or one in a command without an ordered shutdown)`;

/**
 * The variable groups each command reads, for its own `--help`; the program's `--help` and the
 * README list every variable.
 */
const COMMAND_VARIABLE_GROUPS: Readonly<Record<string, readonly VariableGroup[]>> = {
  backup: ['general', 'kafka', 'pairs', 'batching', 'offsets', 'schema', 's3', 'streams', 'observability'],
  restore: ['general', 'kafka', 's3', 'restore'],
  drill: ['general', 'kafka', 's3', 'restore'],
  streams: ['general', 's3', 'streams'],
  verify: ['general', 's3'],
  stats: ['general', 's3'],
  get: ['general', 's3', 'schema'],
  prune: ['general', 's3'],
};

/**
 * Variables of a command's groups it does not read: the drill picks its own scratch topics and
 * stream directory and never runs the restore hooks.
 */
const COMMAND_VARIABLES_NOT_READ: Readonly<Record<string, readonly string[]>> = {
  drill: [
    'RESTORE_TOPIC_TEMPLATE',
    'RESTORE_STREAM_TARGET',
    'RESTORE_STREAM_URL',
    'RESTORE_STREAM_URL_TEMPLATE',
    'RESTORE_STREAM_EXISTS_URL_TEMPLATE',
    'RESTORE_STREAM_BUCKET',
    'RESTORE_STREAM_KEY_TEMPLATE',
    'RESTORE_PRE_HOOK',
    'RESTORE_POST_HOOK',
    'RESTORE_HOOK_TIMEOUT_SECONDS',
    'RESTORE_PROGRESS_SECONDS',
  ].map((name) => `${ENV_PREFIX}${name}`),
};

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
  registerDrillCommand(program, cli, setExit);
  registerStreamsCommand(program, cli, setExit);
  registerVerifyCommand(program, cli, setExit);
  registerStatsCommand(program, cli, setExit);
  registerGetCommand(program, cli, setExit);
  registerPruneCommand(program, cli, setExit);

  for (const command of program.commands) {
    const groups = COMMAND_VARIABLE_GROUPS[command.name()];
    if (!groups) throw new Error(`expected the variable groups of command ${command.name()} in COMMAND_VARIABLE_GROUPS, got none`);
    command
      .exitOverride()
      .addHelpText(
        'after',
        `\nConfiguration (the environment variables this command reads; all of them: streamvault --help, or the README's configuration reference):\n${variablesHelpText(groups, COMMAND_VARIABLES_NOT_READ[command.name()])}\n`,
      );
  }

  const args = [...argv];
  if (args.length === 0) args.push(cli.env.STREAMVAULT_MODE?.trim().toLowerCase() || 'backup');
  // Commander shows the program's help for `streamvault rehearse --help` and exits 0; an unknown
  // command is a usage error whatever follows it.
  const first = args[0]!;
  if (!first.startsWith('-') && first !== 'help' && !program.commands.some((c) => c.name() === first || c.aliases().includes(first))) {
    const known = program.commands.map((c) => c.name()).join(', ');
    return refuse(cli, `unknown command '${first}'; expected one of ${known} (see streamvault --help)`, 'CONFIG_INVALID');
  }
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
        return ExitCode.ok;
      }
      // Commander printed what was wrong with the arguments.
      return exitCodeOf(new StreamvaultError(error.message, { code: 'CONFIG_INVALID', cause: error }));
    }
    throw error;
  }
  return exitCode;
}
