import type { Command } from 'commander';
import PQueue from 'p-queue';
import { formatProblems, loadConfig, type Config } from '../config/load-config.js';
import { isSafeSegment, normalizeSha256, renderForLog, SHA256_HEX } from '../refs/stream-ref.js';
import { exitCodeOfCompletion } from '../errors/exit-code-of.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { checkStateDir } from '../filecache/state-dir.js';
import { openStreamFileCache, truncateReason, type FailedStream, type StreamFileCache } from '../filecache/stream-file-cache.js';
import { MissingStreamMarkers } from '../streams/missing-stream-markers.js';
import { createStreamCopier, createStreamSource, streamSourceSettings } from '../streams/stream-settings.js';
import { createCommandContext, refuse, type CliEnvironment } from './command-context.js';

/**
 * `streamvault streams failed list|retry|add|clear`: the operator's view of the failed list in the
 * file cache (parity with the platform's own tool). Changing it needs the state directory's lock,
 * so these refuse while the daemon runs (the daemon retries failed streams on their schedule: STREAMVAULT_STREAM_FAILED_RETRY_*).
 */
export function registerStreamsCommand(program: Command, cli: CliEnvironment, setExit: (code: ExitCodeValue) => void): void {
  const streams = program.command('streams').description('stream blobs: inspect and repair the file cache');
  const failed = streams.command('failed').description('streams whose copy failed after retries, or whose blob is missing (404)');
  failed
    .command('list')
    .description('list the failed streams (source/label/sha256, kind, attempts, first failure, next scheduled retry or "recorded missing", why)')
    .option('--json', 'one JSON document on stdout')
    .action(async (options: { json?: boolean }) => setExit(await listFailed(cli, options.json === true)));
  failed
    .command('retry')
    .description('copy every failed stream again now; those that succeed leave the list (exit 4 if some still fail)')
    .action(async () => setExit(await retryFailed(cli)));
  failed
    .command('add')
    .description('add streams to the failed list, so they are copied at the next scheduled retry or by `streams failed retry`')
    .argument('<reference...>', 'source/label/sha256 (sha256: 64 hex characters)')
    .action(async (references: string[]) => setExit(await addFailed(cli, references)));
  failed
    .command('clear')
    .description('empty the failed list (needs --confirm); the streams are then no longer retried')
    .option('--confirm', 'really remove every entry')
    .action(async (options: { confirm?: boolean }) => setExit(await clearFailed(cli, options.confirm === true)));
}

type Opened = { ok: true; config: Config; cache: StreamFileCache } | { ok: false; exitCode: ExitCodeValue };

async function openCache(cli: CliEnvironment, readonly: boolean, config?: Config): Promise<Opened> {
  if (!config) {
    const loaded = loadConfig(cli.env);
    if (!loaded.ok) {
      return { ok: false, exitCode: refuse(cli, formatProblems(loaded.problems), 'CONFIG_INVALID') };
    }
    config = loaded.config;
  }
  const dir = await checkStateDir(config.STATE_DIR);
  if (!dir.ok) {
    return { ok: false, exitCode: refuse(cli, dir.message, 'STATE_DIR_UNUSABLE') };
  }
  const opened = await openStreamFileCache(dir.path, { readonly });
  if (opened.kind !== 'open') {
    return { ok: false, exitCode: refuse(cli, opened.message, opened.kind === 'locked' ? 'STATE_DIR_LOCKED' : 'STATE_DIR_UNUSABLE') };
  }
  for (const problem of opened.cache.problems) cli.stderr.write(`streamvault: warning: ${problem}\n`);
  return { ok: true, config, cache: opened.cache };
}

export async function listFailed(cli: CliEnvironment, json: boolean): Promise<ExitCodeValue> {
  const opened = await openCache(cli, true);
  if (!opened.ok) return opened.exitCode;
  const entries = opened.cache.failed.values().sort((a, b) => a.at.localeCompare(b.at) || a.sha256.localeCompare(b.sha256));
  if (json) {
    cli.stdout.write(`${JSON.stringify({ count: entries.length, failed: entries })}\n`);
  } else if (entries.length === 0) {
    cli.stdout.write('no failed streams\n');
  } else {
    for (const e of entries) {
      const next = e.markedAt ? `recorded missing in the backup ${e.markedAt}` : `next retry ${e.nextAt ?? 'at the next scheduled check'}`;
      cli.stdout.write(`${e.source}/${e.label}/${e.sha256}\t${e.kind}\t${e.attempts ?? 1} attempts\tsince ${e.firstAt ?? e.at}\t${next}\t${oneLine(e.reason)}\n`);
    }
    cli.stdout.write(`${entries.length} failed stream${entries.length === 1 ? '' : 's'}\n`);
  }
  return ExitCode.ok;
}

export async function retryFailed(cli: CliEnvironment): Promise<ExitCodeValue> {
  const created = await createCommandContext(cli, { requireBucket: 'exists' });
  if (!created.ok) return created.exitCode;
  const { config, logger, store, layout } = created.context;
  const settings = streamSourceSettings(config);
  if (settings.kind === 'invalid' || settings.kind === 'none') {
    const why = settings.kind === 'invalid' ? settings.problems.join('; ') : 'expected a stream source (STREAMVAULT_STREAM_SOURCE_URL or _BUCKET), got none';
    return refuse(cli, `cannot retry: ${why}`, 'CONFIG_INVALID');
  }
  const opened = await openCache(cli, false, config);
  if (!opened.ok) return opened.exitCode;
  const { cache } = opened;
  try {
    const copier = createStreamCopier(config, { store, layout, logger, source: createStreamSource(config, settings) });
    const markers = new MissingStreamMarkers(store, layout);
    const queue = new PQueue({ concurrency: config.STREAM_CONCURRENCY });
    const entries = cache.failed.values();
    let recovered = 0;
    const signal = new AbortController().signal;
    await Promise.all(
      entries.map((entry) =>
        queue.add(async () => {
          const outcome = await copier.copy(entry, signal);
          const name = `${entry.source}/${entry.label}/${entry.sha256}`;
          if (outcome.kind === 'stored' || outcome.kind === 'deduped') {
            await cache.failed.delete(entry.sha256);
            if (entry.markedAt) await markers.delete(entry.sha256).catch(() => {});
            recovered += 1;
            cli.stdout.write(`${outcome.kind === 'stored' ? 'stored' : 'already stored'}\t${name}\n`);
          } else if (outcome.kind === 'missing' || outcome.kind === 'failed') {
            const at = new Date().toISOString();
            await cache.failed.put({ ...entry, kind: outcome.kind, reason: truncateReason(outcome.reason), at, firstAt: entry.firstAt ?? entry.at, attempts: (entry.attempts ?? 1) + 1 });
            cli.stdout.write(`${outcome.kind}\t${name}\t${oneLine(outcome.reason)}\n`);
          } else if (outcome.kind === 'destination-unavailable') {
            cli.stdout.write(`not tried\t${name}\tthe backup bucket is unavailable: ${oneLine(outcome.reason)}\n`);
          }
        }),
      ),
    );
    const left = cache.failed.size;
    cli.stdout.write(`${recovered} of ${entries.length} recovered; ${left} still failed\n`);
    return exitCodeOfCompletion(left);
  } finally {
    await cache.close();
  }
}

export async function addFailed(cli: CliEnvironment, references: readonly string[]): Promise<ExitCodeValue> {
  const problems: string[] = [];
  const parsed: Array<Pick<FailedStream, 'source' | 'label' | 'sha256'>> = [];
  for (const text of references) {
    const parts = text.split('/');
    if (parts.length !== 3) {
      problems.push(`${renderForLog(text)}: expected source/label/sha256 (three parts), got ${parts.length} part${parts.length === 1 ? '' : 's'}`);
      continue;
    }
    const [source, label, rawSha] = parts as [string, string, string];
    const sha256 = normalizeSha256(rawSha);
    const why = [
      isSafeSegment(source) ? undefined : `source ${renderForLog(source)} is not a safe name`,
      isSafeSegment(label) ? undefined : `label ${renderForLog(label)} is not a safe name`,
      sha256 && SHA256_HEX.test(sha256) ? undefined : `sha256 expected 64 hex characters, got ${renderForLog(rawSha)}`,
    ].filter(Boolean);
    if (why.length > 0 || !sha256) problems.push(`${renderForLog(text)}: ${why.join('; ')}`);
    else parsed.push({ source, label, sha256 });
  }
  if (problems.length > 0) {
    return refuse(cli, `nothing added; ${problems.length} invalid reference${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`, 'CONFIG_INVALID');
  }
  const opened = await openCache(cli, false);
  if (!opened.ok) return opened.exitCode;
  try {
    const at = new Date().toISOString();
    await opened.cache.failed.apply(parsed.map((ref) => ({ op: 'put' as const, value: { ...ref, kind: 'failed' as const, reason: 'added by operator', at } })));
    cli.stdout.write(`added ${parsed.length} stream${parsed.length === 1 ? '' : 's'}; ${opened.cache.failed.size} in the failed list\n`);
    return ExitCode.ok;
  } finally {
    await opened.cache.close();
  }
}

export async function clearFailed(cli: CliEnvironment, confirm: boolean): Promise<ExitCodeValue> {
  const opened = await openCache(cli, !confirm);
  if (!opened.ok) return opened.exitCode;
  try {
    const count = opened.cache.failed.size;
    if (!confirm) {
      return refuse(cli, `expected --confirm to remove ${count} failed stream${count === 1 ? '' : 's'} (they would no longer be retried); nothing changed`, 'CONFIG_INVALID');
    }
    await opened.cache.failed.replaceAll([]);
    cli.stdout.write(`cleared ${count} failed stream${count === 1 ? '' : 's'}\n`);
    return ExitCode.ok;
  } finally {
    await opened.cache.close();
  }
}

function oneLine(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ');
}
