import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { formatDuration } from '../../../src/output/format-duration.js';
import { progressEndOf, ProgressReporter } from '../../../src/output/progress-reporter.js';
import { ExitCode } from '../../../src/exit-codes.js';

function lines(stream: PassThrough): Array<Record<string, unknown>> {
  const text = (stream.read() as Buffer | null)?.toString() ?? '';
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('ProgressReporter', () => {
  it('writes parseable status, error and summary lines whose percent never decreases', () => {
    const out = new PassThrough();
    let clock = 0;
    const progress = new ProgressReporter({ mode: 'json', out, intervalMs: 60_000, now: () => clock });
    progress.start({ files: 4, bytes: 400 }, 'events');
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      clock += 1000;
      progress.advance(1, 100);
      seen.push(progress.status().percent_done);
      if (i === 1) progress.addTotals(2, 200); // discovered more work: the fraction would drop
    }
    progress.error('events/a.avro', 'sha256 mismatch', 'events');
    progress.advance(2, 200);
    const summary = progress.finish({ events_restored: 6 });
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]!);
    expect(summary).toMatchObject({ total_files: 6, files_done: 6, total_bytes: 600, bytes_done: 600, error_count: 1, events_restored: 6 });
    const written = lines(out);
    // The totals come first, before any work; then the error, the last status and the summary.
    expect(written.map((l) => l.message_type)).toEqual(['status', 'error', 'status', 'summary']);
    expect(written[0]).toMatchObject({ percent_done: 0, total_files: 4, total_bytes: 400, files_done: 0, bytes_done: 0 });
    expect(written[2]).toMatchObject({ percent_done: 1, seconds_remaining: 0, error_count: 1 });
  });

  it('logs a readable line per interval without a terminal: percent, objects, IEC bytes, rate and ETA', async () => {
    const logged: Array<Record<string, unknown>> = [];
    const logger = createLogger('info', new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString().split('\n').filter(Boolean)) logged.push(JSON.parse(text) as Record<string, unknown>);
        done();
      },
    }));
    const out = new PassThrough();
    let clock = 0;
    const progress = new ProgressReporter({ mode: 'log', out, logger, label: 'restore', intervalMs: 10, now: () => clock });
    progress.start({ files: 10, bytes: 10 * 1024 * 1024 }, 'events');
    clock = 4000;
    progress.advance(4, 4 * 1024 * 1024);
    await new Promise((resolve) => setTimeout(resolve, 30));
    progress.finish({});
    expect(out.read()).toBeNull(); // stdout stays free
    const line = logged.find((l) => typeof l.msg === 'string' && l.msg.startsWith('restore events: '))!;
    expect(line).toMatchObject({ level: 'info', phase: 'events', percentDone: 0.4, filesDone: 4, totalFiles: 10, bytesDone: 4194304, bytesPerSecond: 1048576, secondsRemaining: 6 });
    expect(line.msg).toBe('restore events: 40.0% | 4/10 objects | 4.0 MiB of 10.0 MiB | 1.0 MiB/s | ETA 6s | 0 errors');
  });
});

/** A stream that passes for a terminal, as cli-progress asks one (it draws nothing otherwise). */
function fakeTerminal(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  const ok = (cb?: () => void) => {
    cb?.();
    return true;
  };
  Object.assign(out, { isTTY: true, columns: 200, cursorTo: (_x: number, _y: unknown, cb?: () => void) => ok(typeof _y === 'function' ? (_y as () => void) : cb), clearLine: (_d: number, cb?: () => void) => ok(cb), moveCursor: (_x: number, _y: number, cb?: () => void) => ok(cb) });
  return { out, text: () => text };
}

describe('ProgressReporter bar', () => {
  it('ends a failed run on a frame that says failed, at the share that succeeded', () => {
    const terminal = fakeTerminal();
    const progress = new ProgressReporter({ mode: 'bar', out: terminal.out, intervalMs: 60_000 });
    progress.start({ files: 2, bytes: 200 }, 'streams');
    progress.advance(1, 100); // the other item failed: not advanced
    progress.error('streams/ab/ab..', 'sha256 mismatch', 'streams');
    progress.finish({}, 'failed');
    const frames = terminal.text().split('\x1b[1G').slice(1);
    expect(frames.at(-1)).toMatch(/^ failed {2}\|.*\| 50% \| 1\/2 objects \| 100 B\/200 B \|.*errors 1/);
    expect(terminal.text()).not.toContain('100%');
  });

  it('ends a run that did everything on a frame that says done, at 100%', () => {
    const terminal = fakeTerminal();
    const progress = new ProgressReporter({ mode: 'bar', out: terminal.out, intervalMs: 60_000 });
    progress.start({ files: 2, bytes: 200 }, 'events');
    progress.advance(2, 200);
    progress.finish({});
    expect(terminal.text().split('\x1b[1G').at(-1)).toMatch(/^ done {4}\|.*\| 100% \| 2\/2 objects/);
  });
});

describe('formatDuration', () => {
  it('prints seconds the way kubectl prints ages', () => {
    expect([0, 45.4, 60, 185, 3600 + 7 * 60 + 30, 3 * 86_400 + 4 * 3600].map(formatDuration)).toEqual(['0s', '45s', '1m00s', '3m05s', '1h07m', '3d04h']);
    expect(() => formatDuration(-1)).toThrow(/from 0 up, got -1/);
  });
});

describe('progressEndOf', () => {
  it('0 is done, 4 and 7 partial, every other code failed', () => {
    expect(progressEndOf(ExitCode.ok)).toBe('done');
    expect(progressEndOf(ExitCode.partial)).toBe('partial');
    expect(progressEndOf(ExitCode.groupsNotEmpty)).toBe('partial');
    for (const code of [ExitCode.failure, ExitCode.badConfiguration, ExitCode.stateDirUnusable, ExitCode.interrupted]) expect(progressEndOf(code)).toBe('failed');
  });
});
