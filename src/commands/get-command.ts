import type { Command } from 'commander';
import { resolve } from 'node:path';
import { createGenerationDecoder, type GenerationDecoder } from '../events/generation-decoder.js';
import { resolveTypeNames } from '../config/event-type-map.js';
import { loadSchemaGenerations } from '../events/schema-generations.js';
import { exitCodeOf, exitCodeOfCompletion } from '../errors/exit-code-of.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { SHA256_HEX } from '../storage/key-layout.js';
import { parseEventsKey, printEvents } from '../verify/get-events.js';
import { getStream } from '../verify/get-stream.js';
import { createCommandContext, refuse, type CliEnvironment, type CommandContext } from './command-context.js';

export function registerGetCommand(program: Command, cli: CliEnvironment, setExit: (code: ExitCodeValue) => void): void {
  const get = program.command('get').description('retrieve single items from the backup');
  get
    .command('stream')
    .description('write one blob, verified against its sha256 (a damaged blob is never written; exit 4)')
    .argument('<sha256>', 'the blob\'s sha256 (64 hex characters)')
    .option('-o, --output <file>', 'write to this file (atomically, only once verified) instead of stdout')
    .action(async (sha256: string, options: { output?: string }) => setExit(await runGetStream(cli, sha256, options.output)));
  get
    .command('events')
    .description('print the records of one events object; values decoded with STREAMVAULT_EVENT_SCHEMA when they decode, base64 otherwise')
    .argument('<key>', 'the events object key (events/<source>/<event>/p<partition>/<offset>-<day>.avro, with or without the prefix)')
    .option('--json', 'one JSON object per record (bytes as base64)')
    .action(async (key: string, options: { json?: boolean }) => setExit(await runGetEvents(cli, key, options.json === true)));
}

export async function runGetStream(cli: CliEnvironment, rawSha: string, output: string | undefined): Promise<ExitCodeValue> {
  const sha256 = rawSha.trim().toLowerCase();
  if (!SHA256_HEX.test(sha256)) {
    return refuse(cli, `expected a sha256 of 64 hex characters, got ${JSON.stringify(rawSha.slice(0, 80))}`, 'CONFIG_INVALID');
  }
  const created = await createCommandContext(cli, { requireBucket: 'backup' });
  if (!created.ok) return created.exitCode;
  const { store, layout, logger } = created.context;
  try {
    const result = await getStream(
      { store, layout },
      sha256,
      output === undefined ? { kind: 'stream', out: cli.stdout } : { kind: 'file', path: resolve(output) },
    );
    switch (result.kind) {
      case 'written':
        if (output !== undefined) cli.stderr.write(`streamvault: wrote ${result.bytes} bytes to ${result.path} (sha256 verified)\n`);
        return ExitCode.ok;
      case 'missing':
        cli.stderr.write(`streamvault: stream ${sha256} is not in the backup (no object at ${result.key})\n`);
        return exitCodeOfCompletion(1);
      case 'corrupt':
        cli.stderr.write(
          `streamvault: stream ${result.key} is damaged: expected content hashing to ${result.expected}, got ${result.got} (${result.bytes} bytes); nothing written\n`,
        );
        return exitCodeOfCompletion(1);
    }
  } catch (error) {
    logger.error({ err: error }, 'get stream failed');
    cli.stderr.write(`streamvault: get stream failed: ${(error as Error).message}\n`);
    return exitCodeOf(error);
  }
}

export async function runGetEvents(cli: CliEnvironment, rawKey: string, json: boolean): Promise<ExitCodeValue> {
  const created = await createCommandContext(cli, { requireBucket: 'backup' });
  if (!created.ok) return created.exitCode;
  const { store, layout, logger } = created.context;
  const parsed = parseEventsKey(layout, rawKey.trim());
  if (!parsed) {
    return refuse(
      cli,
      `expected an events object key such as ${layout.prefix}events/<source>/<event>/p000000/<20-digit offset>-<yyyy-mm-dd>.avro, got ${JSON.stringify(rawKey.slice(0, 200))}`,
      'CONFIG_INVALID',
    );
  }
  const decoder = await decoderFor(created.context, parsed.event, (message) => cli.stderr.write(`streamvault: ${message}\n`));
  try {
    const result = await printEvents({ store, decoder, out: cli.stdout }, parsed.key, json ? 'json' : 'text');
    switch (result.kind) {
      case 'printed':
        return ExitCode.ok;
      case 'missing':
        cli.stderr.write(`streamvault: no events object at ${result.key}\n`);
        return exitCodeOfCompletion(1);
      case 'corrupt':
        cli.stderr.write(`streamvault: events object ${result.key} is damaged after ${result.records} records: ${result.error}\n`);
        return exitCodeOfCompletion(1);
    }
  } catch (error) {
    logger.error({ err: error }, 'get events failed');
    cli.stderr.write(`streamvault: get events failed: ${(error as Error).message}\n`);
    return exitCodeOf(error);
  }
}

/** A decoder for the event type, or undefined (raw output) when no schema is configured or it does not load. */
async function decoderFor(context: CommandContext, event: string, warn: (message: string) => void): Promise<GenerationDecoder | undefined> {
  const { config } = context;
  if (!config.EVENT_SCHEMA) return undefined;
  try {
    const generations = await loadSchemaGenerations(config.EVENT_SCHEMA);
    const typeNames = resolveTypeNames(config.EVENT_TYPE_MAP, event);
    if (typeNames.length === 0) {
      warn(`no Avro type configured for event type ${event} (STREAMVAULT_EVENT_TYPE_MAP); values printed raw`);
      return undefined;
    }
    return createGenerationDecoder(generations, typeNames);
  } catch (error) {
    warn(`STREAMVAULT_EVENT_SCHEMA: ${(error as Error).message}; values printed raw`);
    return undefined;
  }
}
