import type cliProgressModule from 'cli-progress';
import { createRequire } from 'node:module';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { Logger } from '../observability/logger.js';
import type { ErrorMessage, StatusMessage, SummaryMessage } from './progress-messages.js';
import { formatBytes } from './format-bytes.js';
import { formatDuration } from './format-duration.js';

/**
 * cli-progress is loaded when a bar is drawn, not with this module: the daemon imports the reporter
 * for `backup --once` and never draws one (the library and its dependencies are several MB of a
 * process's memory).
 */
const loadCliProgress = (): typeof cliProgressModule => createRequire(import.meta.url)('cli-progress') as typeof cliProgressModule;

/**
 * `json`: JSON lines on `out` (and nothing else there), the first (the totals) at start. `bar`: a
 * terminal bar on `out`. `log`: an info line on `logger` at each interval, for runs without a
 * terminal (a Kubernetes Job). `none`: quiet.
 */
export type ProgressMode = 'json' | 'bar' | 'log' | 'none';

/** How a run ended, as the last frame of the bar shows it. */
export type ProgressEnd = 'done' | 'partial' | 'failed';

/** How a run that returns `exitCode` ended, as the bar's last frame shows it: 4 and 7 are partial, every other failure failed. */
export function progressEndOf(exitCode: ExitCodeValue): ProgressEnd {
  if (exitCode === ExitCode.ok) return 'done';
  return exitCode === ExitCode.partial || exitCode === ExitCode.groupsNotEmpty ? 'partial' : 'failed';
}

export interface ProgressReporterOptions {
  readonly mode: ProgressMode;
  readonly out: NodeJS.WritableStream;
  /** Milliseconds between status lines. */
  readonly intervalMs: number;
  /** Required by `log` mode. */
  readonly logger?: Logger;
  /** What runs, for the log lines (`restore`, `verify`); default `progress`. */
  readonly label?: string;
  readonly now?: () => number;
}

/**
 * Tracks done/total of files (objects) and bytes and reports them. Totals are known up front (from
 * the plan) but may grow (`addTotals`) when a phase discovers more; `percent_done` is clamped so it
 * never goes backwards.
 */
export class ProgressReporter {
  readonly #options: ProgressReporterOptions;
  readonly #now: () => number;
  readonly #started: number;
  #phase = '';
  #totalFiles = 0;
  #filesDone = 0;
  #totalBytes = 0;
  #bytesDone = 0;
  #errors = 0;
  #lastPercent = 0;
  #timer: NodeJS.Timeout | undefined;
  #bar: cliProgressModule.SingleBar | undefined;

  constructor(options: ProgressReporterOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#started = this.#now();
  }

  /** Sets the totals and starts reporting; in `json` mode the first status line, with the totals, is written now. */
  start(totals: { files: number; bytes: number }, phase = ''): void {
    this.#totalFiles = totals.files;
    this.#totalBytes = totals.bytes;
    this.#phase = phase;
    if (this.#options.mode === 'log' && !this.#options.logger) throw new Error('expected a logger for progress mode log, got none');
    if (this.#options.mode === 'json') this.#write(this.status());
    if (this.#options.mode === 'bar') {
      const cliProgress = loadCliProgress();
      this.#bar = new cliProgress.SingleBar(
        {
          format: ' {phase} |{bar}| {percentage}% | {files_done}/{total_files} objects | {size_done}/{size_total} | ETA {eta_formatted} | errors {errors}',
          stream: this.#options.out as NodeJS.WriteStream,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      this.#bar.start(1000, 0, this.#barPayload());
    }
    if (this.#options.mode !== 'none') {
      this.#timer = setInterval(() => this.#tick(), this.#options.intervalMs);
      this.#timer.unref();
    }
  }

  setPhase(phase: string): void {
    this.#phase = phase;
  }

  addTotals(files: number, bytes: number): void {
    this.#totalFiles += files;
    this.#totalBytes += bytes;
  }

  advance(files: number, bytes: number): void {
    this.#filesDone += files;
    this.#bytesDone += bytes;
  }

  error(item: string, error: string, during: string): void {
    this.#errors += 1;
    const message: ErrorMessage = { message_type: 'error', item, error, during };
    if (this.#options.mode === 'json') this.#write(message);
    else if (this.#options.mode === 'bar') this.#bar?.update(this.#barValue(), this.#barPayload());
  }

  get errorCount(): number {
    return this.#errors;
  }

  status(): StatusMessage {
    const elapsed = (this.#now() - this.#started) / 1000;
    const percent = this.#percent();
    const remaining = percent > 0 && percent < 1 ? (elapsed / percent) * (1 - percent) : 0;
    return {
      message_type: 'status',
      phase: this.#phase,
      percent_done: percent,
      total_files: this.#totalFiles,
      files_done: this.#filesDone,
      total_bytes: this.#totalBytes,
      bytes_done: this.#bytesDone,
      seconds_elapsed: round(elapsed),
      seconds_remaining: round(remaining),
      error_count: this.#errors,
    };
  }

  /**
   * Stops the ticker, prints a last status and the summary (`json`). The bar's last frame says how
   * the run ended; its percentage counts only work that succeeded, so a failed run never shows 100%
   * unless every item did (the failure came after them).
   */
  finish(extra: Record<string, unknown> = {}, end: ProgressEnd = 'done'): SummaryMessage {
    clearInterval(this.#timer);
    if (this.#options.mode === 'json') this.#tick();
    if (this.#bar) {
      this.#bar.update(this.#barValue(), { ...this.#barPayload(), phase: end.padEnd(7) });
      this.#bar.stop();
    }
    const s = this.status();
    const summary: SummaryMessage = {
      message_type: 'summary',
      total_files: s.total_files,
      files_done: s.files_done,
      total_bytes: s.total_bytes,
      bytes_done: s.bytes_done,
      error_count: s.error_count,
      seconds_elapsed: s.seconds_elapsed,
      ...extra,
    };
    if (this.#options.mode === 'json') this.#write(summary);
    return summary;
  }

  #tick(): void {
    if (this.#options.mode === 'json') this.#write(this.status());
    else if (this.#options.mode === 'bar') this.#bar?.update(this.#barValue(), this.#barPayload());
    else if (this.#options.mode === 'log') this.#logLine();
  }

  /** One line a person can read in `kubectl logs`, with the numbers as fields too. */
  #logLine(): void {
    const s = this.status();
    const rate = s.seconds_elapsed > 0 ? s.bytes_done / s.seconds_elapsed : 0;
    const eta = s.percent_done > 0 && s.percent_done < 1 ? formatDuration(s.seconds_remaining) : s.percent_done >= 1 ? '0s' : 'unknown';
    const label = this.#options.label ?? 'progress';
    this.#options.logger!.info(
      {
        phase: s.phase,
        percentDone: s.percent_done,
        filesDone: s.files_done,
        totalFiles: s.total_files,
        bytesDone: s.bytes_done,
        totalBytes: s.total_bytes,
        bytesPerSecond: Math.round(rate),
        secondsElapsed: s.seconds_elapsed,
        secondsRemaining: s.seconds_remaining,
        errors: s.error_count,
      },
      `${label} ${s.phase}: ${(s.percent_done * 100).toFixed(1)}% | ${s.files_done}/${s.total_files} objects | ` +
        `${formatBytes(s.bytes_done)} of ${formatBytes(s.total_bytes)} | ${formatBytes(Math.round(rate))}/s | ETA ${eta} | ${s.error_count} errors`,
    );
  }

  #percent(): number {
    // Bytes dominate when known (a few large objects), files otherwise.
    const raw =
      this.#totalBytes > 0
        ? this.#bytesDone / this.#totalBytes
        : this.#totalFiles > 0
          ? this.#filesDone / this.#totalFiles
          : 0;
    const clamped = Math.min(1, Math.max(this.#lastPercent, raw));
    this.#lastPercent = clamped;
    return round(clamped, 4);
  }

  #barValue(): number {
    return Math.round(this.#percent() * 1000);
  }

  #barPayload(): Record<string, unknown> {
    return {
      phase: this.#phase.padEnd(7),
      files_done: this.#filesDone,
      total_files: this.#totalFiles,
      size_done: formatBytes(this.#bytesDone),
      size_total: formatBytes(this.#totalBytes),
      errors: this.#errors,
    };
  }

  #write(message: object): void {
    this.#options.out.write(`${JSON.stringify(message)}\n`);
  }
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
