import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { hookEnvironment, runHook, type HookOptions } from '../../../src/restore/hooks.js';
import type { RestoreScope } from '../../../src/restore/restore-plan.js';
import { until } from '../../helpers/until.js';

const scope: RestoreScope = {
  sources: ['samples', 'system'],
  events: ['sourced'],
  what: 'events',
  sinceMs: Date.UTC(2026, 0, 2, 3),
  untilMs: undefined,
  offsetRanges: [{ topic: 'samples.sourced', partition: 1, from: 10n, to: 20n }],
};

function hook(command: string, extra: Partial<HookOptions> = {}): { options: HookOptions; output: () => string } {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  return {
    options: { command, phase: 'pre', scope, env: { PATH: process.env.PATH, FROM_CLI: 'kept' }, output: sink, timeoutMs: 5_000, ...extra },
    output: () => Buffer.concat(chunks).toString(),
  };
}

describe('hookEnvironment', () => {
  it('describes the scope: lists comma-separated, times as ISO UTC, an absent bound empty', () => {
    expect(hookEnvironment({ phase: 'pre', scope })).toEqual({
      RESTORE_HOOK_PHASE: 'pre',
      RESTORE_SCOPE_SOURCES: 'samples,system',
      RESTORE_SCOPE_EVENTS: 'sourced',
      RESTORE_SCOPE_WHAT: 'events',
      RESTORE_SCOPE_SINCE: '2026-01-02T03:00:00.000Z',
      RESTORE_SCOPE_UNTIL: '',
      RESTORE_SCOPE_OFFSETS: 'samples.sourced:1:10-20',
    });
  });

  it('adds the exit code for the post hook', () => {
    expect(hookEnvironment({ phase: 'post', scope, exitCode: 0 })).toMatchObject({ RESTORE_HOOK_PHASE: 'post', RESTORE_EXIT_CODE: '0' });
    expect(hookEnvironment({ phase: 'pre', scope })).not.toHaveProperty('RESTORE_EXIT_CODE');
  });
});

describe('runHook', () => {
  it('is not configured when the command is blank', async () => {
    expect(await runHook(hook('  ').options)).toEqual({ kind: 'not-configured' });
  });

  it('runs the command with the CLI environment plus the scope, its output going to the given stream', async () => {
    const { options, output } = hook('echo "$FROM_CLI $RESTORE_HOOK_PHASE $RESTORE_EXIT_CODE"; echo oops >&2', { phase: 'post', exitCode: 3 });
    expect(await runHook(options)).toEqual({ kind: 'succeeded' });
    expect(output()).toContain('kept post 3\n');
    expect(output()).toContain('oops\n');
  });

  it('fails on a non-zero exit, saying what it expected and what it got', async () => {
    expect(await runHook(hook('exit 4').options)).toEqual({ kind: 'failed', message: 'pre hook: expected exit code 0, got 4' });
  });

  it('kills a hook that outlives its timeout and says so', async () => {
    const outcome = await runHook(hook('exec sleep 5', { timeoutMs: 100 }).options);
    expect(outcome).toEqual({ kind: 'failed', message: 'pre hook: expected it to finish within 0.1 s, it was killed' });
  });

  it('kills what the hook started too, not only its shell: the restore does not wait for a child holding its output', async () => {
    const started = hook('sleep 30 & echo "child $!"; wait', { timeoutMs: 300 });
    const outcome = await runHook(started.options);
    expect(outcome).toEqual({ kind: 'failed', message: 'pre hook: expected it to finish within 0.3 s, it was killed' });
    const child = Number(/child (\d+)/.exec(started.output())?.[1]);
    expect(child).toBeGreaterThan(0);
    // Killed: gone, or a zombie until whoever adopted it reaps it.
    const alive = () => {
      try {
        return !/^\d+ \([^)]*\) Z/.test(readFileSync(`/proc/${child}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    await until(`the hook's sleep (pid ${child}) to be killed`, async () => (alive() ? undefined : true), 5_000, 50);
  }, 20_000);
});
