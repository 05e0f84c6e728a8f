import { join } from 'node:path';
import { z } from 'zod';
import { streamRefShape } from '../refs/stream-ref.js';
import { KeyedJournal, type JournalFs } from './keyed-journal.js';
import { acquireStateLock } from './state-lock.js';

/**
 * The streams' durable state in STREAMVAULT_STATE_DIR. File names are fixed here; nothing from an
 * event (sha256, source, label) is ever part of a path.
 *   streams-pending.jsonl  references acknowledged to Kafka but not yet copied
 *   streams-failed.jsonl   references whose copy failed after retries, or whose blob is missing
 */
export const PENDING_FILE = 'streams-pending.jsonl';
export const FAILED_FILE = 'streams-failed.jsonl';

const MAX_REASON = 2000;

export const pendingStreamSchema = z.object({ ...streamRefShape, since: z.string().max(40) });
export type PendingStream = z.infer<typeof pendingStreamSchema>;

const isoTime = z.string().max(40);

export const failedStreamSchema = z.object({
  ...streamRefShape,
  /** `missing`: the source answered 404; `failed`: anything else (errors, wrong content). */
  kind: z.enum(['missing', 'failed']),
  reason: z.string().max(MAX_REASON),
  /** The last attempt. */
  at: isoTime,
  /** The first failure (absent in entries of older versions: `at`). */
  firstAt: isoTime.optional(),
  /** Attempts so far (absent in older entries: 1). */
  attempts: z.number().int().min(1).max(1_000_000_000).optional(),
  /** When the scheduled retry is due; absent once a missing stream was recorded in the backup. */
  nextAt: isoTime.optional(),
  /** When a `streams-missing/` marker was written for it (missing after the retry window). */
  markedAt: isoTime.optional(),
});
export type FailedStream = z.infer<typeof failedStreamSchema>;

export { isValidStreamRef, type StreamRef } from '../refs/stream-ref.js';

export function truncateReason(reason: string): string {
  return reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 1)}…` : reason;
}

export interface StreamFileCache {
  readonly pending: KeyedJournal<PendingStream>;
  readonly failed: KeyedJournal<FailedStream>;
  /** Lines skipped while reading (torn last line, damaged or hostile entries), for the log. */
  readonly problems: readonly string[];
  /** Closes both journals and releases the lock. Idempotent. */
  close(): Promise<void>;
}

export type OpenStreamFileCache =
  | { kind: 'open'; cache: StreamFileCache }
  | { kind: 'locked'; message: string }
  | { kind: 'unusable'; message: string };

/** Content-addressed: one entry per sha256, whichever reference brought it. */
const bySha = (entry: { sha256: string }) => entry.sha256;

/**
 * Opens the journals for writing (taking the state directory's lock), or read-only for listing.
 * A read-only cache needs no lock and changes nothing on disk.
 */
export async function openStreamFileCache(stateDir: string, options: { readonly?: boolean; fs?: JournalFs } = {}): Promise<OpenStreamFileCache> {
  let release = async () => {};
  try {
    if (!options.readonly) {
      const lock = await acquireStateLock(stateDir);
      if (lock.kind === 'held') {
        return {
          kind: 'locked',
          message: `state directory ${stateDir} is in use by process ${lock.pid} (lock ${lock.path}); expected no other streamvault writing to it. Stop that process first (the daemon retries failed streams on their schedule).`,
        };
      }
      release = lock.release;
    }
    const pending = await KeyedJournal.open(join(stateDir, PENDING_FILE), pendingStreamSchema, bySha, options);
    const failed = await KeyedJournal.open(join(stateDir, FAILED_FILE), failedStreamSchema, bySha, options);
    const problems = [
      ...pending.problems.map((p) => `${PENDING_FILE} ${p}`),
      ...failed.problems.map((p) => `${FAILED_FILE} ${p}`),
    ];
    let closing: Promise<void> | undefined;
    return {
      kind: 'open',
      cache: {
        pending: pending.journal,
        failed: failed.journal,
        problems,
        close: () =>
          (closing ??= (async () => {
            const results = await Promise.allSettled([pending.journal.close(), failed.journal.close()]);
            await release();
            const failure = results.find((r) => r.status === 'rejected');
            if (failure) throw failure.reason;
          })()),
      },
    };
  } catch (error) {
    await release().catch(() => {});
    return {
      kind: 'unusable',
      message: `stream journals in ${stateDir} (STREAMVAULT_STATE_DIR): expected readable and writable files, got ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    };
  }
}
