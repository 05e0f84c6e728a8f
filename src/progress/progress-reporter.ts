import cliProgress from 'cli-progress';
import type { ErrorMessage, StatusMessage, SummaryMessage } from './progress-messages.js';
import { formatBytes } from './format-bytes.js';

export interface ProgressReporterOptions {
  /** `json`: JSON lines on `out` (and nothing else there). `bar`: a terminal bar. `none`: quiet. */
  readonly mode: 'json' | 'bar' | 'none';
  readonly out: NodeJS.WritableStream;
  /** Milliseconds between status lines. */
  readonly intervalMs: number;
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
  #bar: cliProgress.SingleBar | undefined;

  constructor(options: ProgressReporterOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#started = this.#now();
  }

  start(totals: { files: number; bytes: number }, phase = ''): void {
    this.#totalFiles = totals.files;
    this.#totalBytes = totals.bytes;
    this.#phase = phase;
    if (this.#options.mode === 'bar') {
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

  /** Stops the ticker, prints a last status and the summary. */
  finish(extra: Record<string, unknown> = {}): SummaryMessage {
    clearInterval(this.#timer);
    this.#tick();
    this.#bar?.stop();
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
