/**
 * Machine-readable progress, shaped like restic's `--json` output so existing tooling and habits
 * carry over: `status` lines while working, `error` lines as they happen, one `summary` at the end.
 */
export interface StatusMessage {
  message_type: 'status';
  /** Phase label, e.g. `streams`, `events`, `verify`. */
  phase: string;
  /** 0..1, never decreases within one run. */
  percent_done: number;
  total_files: number;
  files_done: number;
  total_bytes: number;
  bytes_done: number;
  seconds_elapsed: number;
  /** Estimate from the rate so far; 0 when unknown. */
  seconds_remaining: number;
  error_count: number;
}

export interface ErrorMessage {
  message_type: 'error';
  /** What failed: an S3 key, a stream sha256, a topic/partition. */
  item: string;
  error: string;
  during: string;
}

export interface SummaryMessage {
  message_type: 'summary';
  total_files: number;
  files_done: number;
  total_bytes: number;
  bytes_done: number;
  error_count: number;
  seconds_elapsed: number;
  [extra: string]: unknown;
}

export type ProgressMessage = StatusMessage | ErrorMessage | SummaryMessage;
