import type { OriginStreamStats, StreamPipeline, StreamPipelineStats } from './stream-pipeline.js';
import { renderForLog } from '../events/stream-references.js';
import { JournalWriteError } from '../filecache/keyed-journal.js';
import {
  isValidStreamRef,
  truncateReason,
  type FailedStream,
  type StreamFileCache,
  type StreamRef,
} from '../filecache/stream-file-cache.js';
import { IntervalLoop } from '../observability/interval-loop.js';
import type { Logger } from '../observability/logger.js';
import { ignoredReadiness, type ReadinessReporter } from '../observability/readiness-problems.js';
import type { ManifestStream } from '../storage/manifest.js';
import { HitCache } from './hit-cache.js';
import type { CopyOutcome, StreamCopier } from './stream-copier.js';
import type { MissingStreamMarkers } from './missing-stream-markers.js';
import { UploadPool, type RunResult } from './upload-pool.js';

export interface StreamPipelineOptions {
  readonly cache: StreamFileCache;
  readonly copier: Pick<StreamCopier, 'copy'>;
  readonly logger: Logger;
  /** Entries (default 16000). */
  readonly hitCacheSize: number;
  /** Copies at once (default 20). */
  readonly concurrency: number;
  /** References waiting for a copy slot before persist waits (default 1000). */
  readonly maxQueued: number;
  /** Failed copies in a row at the source (404s and destination outages excluded) that make /readyz report the source failing (default 5). */
  readonly maxConsecutiveFailures: number;
  /** Wall clock, for journal timestamps and the retry schedule. */
  readonly now: () => Date;
  readonly observer?: StreamPipelineObserver;
  /** Where conditions that stop progress are reported (/readyz). */
  readonly readiness?: ReadinessReporter;
  /** Records streams still missing after the window in the backup; absent: never recorded. */
  readonly markers?: Pick<MissingStreamMarkers, 'write' | 'delete'>;
  /** Retry schedule of the failed list, milliseconds: first delay, doubled per failure up to max. */
  readonly failedRetry: { readonly minDelayMs: number; readonly maxDelayMs: number };
  /** How long 404s are retried before the stream is recorded missing, milliseconds. */
  readonly missingRetryWindowMs: number;
  /** Pool back-off while the backup bucket does not take copies, milliseconds. */
  readonly destinationBackoff: { readonly minDelayMs: number; readonly maxDelayMs: number };
  /** How often due failed entries are looked for, milliseconds (default min(failedRetry.minDelayMs, 60 s)). */
  readonly retryTickMs?: number;
}

/** Names under which the pipeline reports readiness problems. */
export const READINESS = {
  stateDir: 'state-dir',
  destination: 'backup-bucket',
  source: 'stream-source',
} as const;

/**
 * For metrics (issue 6) and tests: called synchronously, must not throw. Counters are also
 * readable at any time on `pipeline.stats`.
 */
export type { StreamPipelineStats };

export interface StreamPipelineObserver {
  onOutcome?(ref: StreamRef, outcome: CopyOutcome, durationMs: number): void;
  onRejected?(reason: string): void;
  onHitCache?(hit: boolean): void;
}


type State = 'idle' | 'running' | 'draining' | 'halted' | 'stopped';

/** The real StreamPipeline: hit cache -> pending journal -> bounded pool -> copier. */
export function createStreamPipeline(options: StreamPipelineOptions): BackupStreamPipeline {
  return new BackupStreamPipeline(options);
}

export class BackupStreamPipeline implements StreamPipeline {
  readonly #o: StreamPipelineOptions;
  readonly #log: Logger;
  readonly #hits: HitCache;
  readonly #pool: UploadPool;
  /** Journaled references that could not enter the pool before admission closed. */
  readonly #handoff = new Map<string, StreamRef>();
  #state: State = 'idle';
  #replay: Promise<void> | undefined;
  #requestStop: (reason: string) => void = () => {};
  readonly stopRequested: Promise<string>;
  readonly #counts = {
    referenced: 0,
    hitCacheHits: 0,
    rejected: 0,
    uploaded: 0,
    uploadedBytes: 0,
    deduped: 0,
    missing: 0,
    failed: 0,
    consecutiveFailures: 0,
    destinationFailures: 0,
    retriedFailed: 0,
    markedMissing: 0,
  };
  #retryLoop: IntervalLoop | undefined;
  #retrying: Promise<number> | undefined;
  readonly stats: StreamPipelineStats;
  /** Per origin (pair): the first outcome of each stream it referenced. */
  readonly #byOrigin = new Map<string, { stored: number; deduped: number; missing: number; failed: number }>();
  /** Streams whose outcome is still to come, with the origins that referenced them. */
  readonly #awaitedBy = new Map<string, Set<string>>();

  constructor(options: StreamPipelineOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'streams' });
    this.#hits = new HitCache(options.hitCacheSize);
    this.#pool = new UploadPool({
      concurrency: options.concurrency,
      maxQueued: options.maxQueued,
      run: (ref, signal) => this.#run(ref, signal),
      destinationBackoff: options.destinationBackoff,
    });
    this.stopRequested = new Promise((resolve) => {
      this.#requestStop = resolve;
    });
    const counts = this.#counts;
    const pool = this.#pool;
    const cache = options.cache;
    this.stats = {
      get referenced() { return counts.referenced; },
      get hitCacheHits() { return counts.hitCacheHits; },
      get rejected() { return counts.rejected; },
      get uploaded() { return counts.uploaded; },
      get uploadedBytes() { return counts.uploadedBytes; },
      get deduped() { return counts.deduped; },
      get missing() { return counts.missing; },
      get failed() { return counts.failed; },
      get consecutiveFailures() { return counts.consecutiveFailures; },
      get queued() { return pool.queued; },
      get running() { return pool.running; },
      get pending() { return cache.pending.size; },
      get failedList() { return cache.failed.size; },
      get destinationFailures() { return counts.destinationFailures; },
      get retriedFailed() { return counts.retriedFailed; },
      get markedMissing() { return counts.markedMissing; },
      get unavailableAtSource() { return cache.failed.values().filter((f) => f.markedAt !== undefined).length; },
      get failedOldestAt() {
        let oldest: number | undefined;
        for (const f of cache.failed.values()) {
          const at = Date.parse(f.firstAt ?? f.at);
          if (Number.isFinite(at) && (oldest === undefined || at < oldest)) oldest = at;
        }
        return oldest;
      },
      get destinationPaused() { return pool.paused; },
    };
  }

  /** The backup bucket took a write elsewhere (the S3 write probe recovered): a paused pool tries again now. */
  destinationWritable(): void {
    this.#pool.resumeNow();
  }

  get state(): State {
    return this.#state;
  }

  streamsOf(origin: string): OriginStreamStats {
    return { ...(this.#byOrigin.get(origin) ?? { stored: 0, deduped: 0, missing: 0, failed: 0 }) };
  }

  #originCounts(origin: string): { stored: number; deduped: number; missing: number; failed: number } {
    let counts = this.#byOrigin.get(origin);
    if (!counts) {
      counts = { stored: 0, deduped: 0, missing: 0, failed: 0 };
      this.#byOrigin.set(origin, counts);
    }
    return counts;
  }

  /** `origin` waits for the outcome of `sha256`. */
  #await(sha256: string, origin: string): void {
    let origins = this.#awaitedBy.get(sha256);
    if (!origins) {
      origins = new Set();
      this.#awaitedBy.set(sha256, origins);
    }
    origins.add(origin);
  }

  /** A copy's outcome, counted for every origin waiting for it; a later outcome of the same stream (a retry) is not. */
  #countForOrigins(sha256: string, kind: 'stored' | 'deduped' | 'missing' | 'failed'): void {
    const origins = this.#awaitedBy.get(sha256);
    if (!origins) return;
    this.#awaitedBy.delete(sha256);
    for (const origin of origins) this.#originCounts(origin)[kind] += 1;
  }

  /**
   * Replays the pending journal into the pool in the background, under the same bound as new
   * references, and starts the failed list's retry schedule. Failed entries are not retried at
   * start: their schedule (kept in the journal) says when, so a restart loop cannot hammer them.
   */
  async start(): Promise<void> {
    const { cache } = this.#o;
    for (const problem of cache.problems) this.#log.warn({ problem }, 'stream journal line skipped');
    this.#state = 'running';
    const replay = cache.pending.values();
    this.#log.info(
      { pending: replay.length, failed: cache.failed.size },
      'stream pipeline started; replaying the pending journal',
    )
    this.#replay = (async () => {
      for (const entry of replay) {
        if (this.#state !== 'running') return;
        this.#hits.remember(entry.sha256);
        await this.#pool.admit(entry);
      }
    })().catch((error: unknown) => this.#log.error({ err: error }, 'replaying the pending journal failed; the rest replays at the next start'));
    const tick = this.#o.retryTickMs ?? Math.min(this.#o.failedRetry.minDelayMs, 60_000);
    this.#retryLoop = new IntervalLoop(() => this.retryDue(), {
      intervalMs: Math.max(10, tick),
      onError: (error) => this.#log.error({ err: error }, 'scheduled retry of failed streams failed; the next tick tries again'),
    });
    this.#retryLoop.start();
  }

  /**
   * Feeds the failed entries whose scheduled retry is due into the pool, as many as the waiting
   * line has room for (the rest on a later tick). They stay in the failed list until a copy
   * succeeds, so nothing about them is ever only in memory. Resolves with how many were queued.
   */
  retryDue(): Promise<number> {
    this.#retrying ??= (async () => {
      if (this.#state !== 'running' || this.#pool.paused) return 0;
      const now = this.#o.now().getTime();
      let queued = 0;
      for (const entry of this.#o.cache.failed.values()) {
        if (this.#pool.queued >= this.#o.maxQueued) break;
        if (!isRetryDue(entry, now, this.#o.failedRetry.minDelayMs)) continue;
        if (this.#pool.enqueue(entry) === 'queued') queued += 1;
      }
      this.#counts.retriedFailed += queued;
      if (queued > 0) this.#log.info({ queued, failed: this.#o.cache.failed.size }, 'scheduled retry of failed streams');
      return queued;
    })().finally(() => {
      this.#retrying = undefined;
    });
    return this.#retrying;
  }

  /**
   * Resolves once every reference is durable: journaled (then copied in the background), or known
   * durable already (hit cache, pending, failed list). Then waits for room in the pool, which is
   * the backpressure on the event worker; at shutdown it no longer waits.
   */
  async persist(streams: readonly ManifestStream[], origin?: string): Promise<void> {
    const { cache, now, observer } = this.#o;
    const fresh = new Map<string, StreamRef>();
    for (const s of streams) {
      const ref = { source: s.source, label: s.label, sha256: s.sha256 };
      if (!isValidStreamRef(ref)) {
        this.#counts.rejected += 1;
        const reason = `expected sha256 of 64 lowercase hex and safe source/label, got sha256 ${renderForLog(s.sha256)} source ${renderForLog(s.source)} label ${renderForLog(s.label)}`;
        this.#log.warn({ reason }, 'stream reference rejected; never used for a key or a path');
        observer?.onRejected?.(reason);
        continue;
      }
      if (fresh.has(ref.sha256)) continue;
      this.#counts.referenced += 1;
      const known = this.#hits.hit(ref.sha256) || cache.pending.has(ref.sha256) || cache.failed.has(ref.sha256);
      observer?.onHitCache?.(known);
      if (known) {
        this.#counts.hitCacheHits += 1;
        this.#hits.remember(ref.sha256);
        if (origin !== undefined) {
          // Still to be copied: its outcome is this origin's too. Otherwise handled already.
          // (Checked in the order #run records an outcome: counted last, after the journals.)
          if (this.#awaitedBy.has(ref.sha256)) this.#await(ref.sha256, origin);
          else if (cache.failed.has(ref.sha256)) this.#originCounts(origin).failed += 1;
          else if (cache.pending.has(ref.sha256)) this.#await(ref.sha256, origin);
          else this.#originCounts(origin).deduped += 1;
        }
        continue;
      }
      fresh.set(ref.sha256, ref);
    }
    if (fresh.size === 0) return;
    const since = now().toISOString();
    await this.#journal(cache.pending.apply([...fresh.values()].map((ref) => ({ op: 'put' as const, value: { ...ref, since } }))));
    for (const ref of fresh.values()) this.#hits.remember(ref.sha256);
    if (origin !== undefined) for (const ref of fresh.values()) this.#await(ref.sha256, origin);
    for (const ref of fresh.values()) {
      if (this.#state !== 'running') {
        this.#handoff.set(ref.sha256, ref);
        continue;
      }
      if ((await this.#pool.admit(ref)) === 'closed') this.#handoff.set(ref.sha256, ref);
    }
  }

  /**
   * Phase 2: stop admission and move the hand-off (journaled references that were waiting for room)
   * into the pool, past its bound; unless halted, when everything stays journaled.
   */
  async drainHitCache(): Promise<void> {
    if (this.#state === 'running') this.#state = 'draining';
    void this.#retryLoop?.stop();
    this.#pool.closeAdmission();
    await this.#replay;
    if (this.#state === 'halted') {
      this.#log.info({ journaled: this.#handoff.size }, 'halted after stream failures: hand-off stays in the pending journal');
      return;
    }
    let moved = 0;
    for (const ref of this.#handoff.values()) if (this.#pool.enqueue(ref) === 'queued') moved += 1;
    this.#handoff.clear();
    // The replay may have been cut short: give the grace period journaled work to do, up to the
    // queue bound (a long outage can leave far more pending than memory should hold at once).
    for (const entry of this.#o.cache.pending.values()) {
      if (this.#pool.queued >= this.#o.maxQueued) break;
      if (this.#pool.enqueue(entry) === 'queued') moved += 1;
    }
    this.#log.info({ moved, queued: this.#pool.queued, running: this.#pool.running }, 'hit cache hand-off moved into the stream pool');
  }

  /** Phase 3: the pool finishes within `graceMs`; the rest stays in the pending journal. */
  async drainPool(graceMs: number): Promise<{ unfinished: number }> {
    if (this.#state === 'running') this.#state = 'draining';
    void this.#retryLoop?.stop();
    const { completed } = await this.#pool.drain(graceMs);
    if (this.#state !== 'halted') this.#state = 'stopped';
    const unfinished = this.#o.cache.pending.size;
    this.#log.info({ completed, unfinished, ...this.#snapshot() }, 'stream pool drained');
    return { unfinished };
  }

  #snapshot() {
    const c = this.#counts;
    return { uploaded: c.uploaded, deduped: c.deduped, missing: c.missing, failed: c.failed, hitCacheHits: c.hitCacheHits, rejected: c.rejected };
  }

  async #run(ref: StreamRef, signal: AbortSignal): Promise<RunResult> {
    const { cache, copier, observer } = this.#o;
    const started = performance.now();
    let outcome: CopyOutcome;
    try {
      outcome = await copier.copy(ref, signal);
    } catch (error) {
      outcome = { kind: 'failed', reason: `copier threw: ${(error as Error).message}` };
    }
    const ms = Math.round(performance.now() - started);
    // The ref passed validation at persist (safe segments), and pino quotes fields itself.
    const fields = { sha256: ref.sha256, source: ref.source, label: ref.label, ms };
    let result: RunResult = undefined;
    if (outcome.kind !== 'destination-unavailable' && outcome.kind !== 'aborted' && this.#counts.destinationFailures > 0) {
      this.#counts.destinationFailures = 0;
      this.#readiness.clear(READINESS.destination);
      this.#log.info('the backup bucket takes stream copies again; stream pool resumed');
    }
    try {
      switch (outcome.kind) {
        case 'stored':
        case 'deduped': {
          if (outcome.kind === 'stored') {
            this.#counts.uploaded += 1;
            this.#counts.uploadedBytes += outcome.bytes;
            this.#log.info({ ...fields, bytes: outcome.bytes, attempts: outcome.attempts }, 'stream stored');
          } else {
            this.#counts.deduped += 1;
            this.#log.debug(fields, 'stream already stored');
          }
          this.#sourceHealthy();
          const failedBefore = cache.failed.get(ref.sha256);
          if (cache.pending.has(ref.sha256)) await this.#journal(cache.pending.delete(ref.sha256));
          this.#countForOrigins(ref.sha256, outcome.kind);
          if (failedBefore) {
            await this.#journal(cache.failed.delete(ref.sha256));
            this.#log.info({ ...fields, attempts: (failedBefore.attempts ?? 1) + 1 }, 'stream from the failed list is stored now; removed from it');
            if (failedBefore.markedAt) await this.#o.markers?.delete(ref.sha256).catch((error: unknown) => this.#log.warn({ ...fields, err: error }, 'could not delete the streams-missing marker; the stored stream wins'));
          }
          break;
        }
        case 'missing':
          this.#counts.missing += 1;
          await this.#recordFailure(ref, outcome, fields);
          this.#countForOrigins(ref.sha256, 'missing');
          break;
        case 'failed':
          this.#counts.failed += 1;
          this.#counts.consecutiveFailures += 1;
          await this.#recordFailure(ref, outcome, fields);
          this.#countForOrigins(ref.sha256, 'failed');
          if (this.#counts.consecutiveFailures >= this.#o.maxConsecutiveFailures) {
            this.#readiness.set(
              READINESS.source,
              `${this.#counts.consecutiveFailures} stream copies in a row failed at the source (STREAMVAULT_STREAM_MAX_CONSECUTIVE_FAILURES=${this.#o.maxConsecutiveFailures}); last: ${truncateReason(outcome.reason).slice(0, 300)}`,
            );
          }
          break;
        case 'destination-unavailable': {
          this.#counts.destinationFailures += 1;
          this.#readiness.set(READINESS.destination, `the backup bucket does not take stream copies: ${outcome.reason.slice(0, 300)}`);
          if (this.#counts.destinationFailures === 1) {
            this.#log.error({ ...fields, reason: outcome.reason }, 'the backup bucket does not take stream copies; the stream pool waits (streams stay pending, consumption pauses when the queue is full)');
          } else {
            this.#log.warn({ ...fields, reason: outcome.reason, failures: this.#counts.destinationFailures }, 'backup bucket still unavailable for stream copies');
          }
          result = 'destination-unavailable';
          break;
        }
        case 'aborted':
          this.#log.info(fields, 'stream copy abandoned at shutdown; stays in the pending journal');
          break;
      }
    } catch (error) {
      // The journal is unchanged for this reference: it is copied again at the next start.
      this.#log.error({ ...fields, err: error }, 'could not record a stream outcome in the journal');
    }
    try {
      observer?.onOutcome?.(ref, outcome, ms);
    } catch {
      // an observer must not break the pipeline
    }
    return result;
  }

  get #readiness(): ReadinessReporter {
    return this.#o.readiness ?? ignoredReadiness;
  }

  #sourceHealthy(): void {
    this.#counts.consecutiveFailures = 0;
    this.#readiness.clear(READINESS.source);
  }

  /**
   * Into the failed list with its next retry: doubled from `failedRetry.minDelayMs` per attempt.
   * A 404 past the missing window is recorded in the backup (marker) and no longer scheduled.
   */
  async #recordFailure(ref: StreamRef, outcome: { kind: 'missing' | 'failed'; reason: string }, fields: Record<string, unknown>): Promise<void> {
    const { cache, now, failedRetry, missingRetryWindowMs, markers } = this.#o;
    if (outcome.kind === 'missing') this.#sourceHealthy();
    const before = cache.failed.get(ref.sha256);
    const at = now();
    const firstAt = before ? (before.firstAt ?? before.at) : at.toISOString();
    const attempts = before ? (before.attempts ?? 1) + 1 : 1;
    const reason = truncateReason(outcome.reason);
    // Only the reference's own fields: the pool may hand back a whole failed entry (a retry).
    let entry: FailedStream = { source: ref.source, label: ref.label, sha256: ref.sha256, kind: outcome.kind, reason, at: at.toISOString(), firstAt, attempts };
    const windowOver = outcome.kind === 'missing' && at.getTime() - Date.parse(firstAt) >= missingRetryWindowMs;
    let marked = false;
    if (windowOver && markers) {
      try {
        await markers.write(ref, { firstSeen: firstAt, lastTried: at.toISOString(), attempts, reason });
        entry = { ...entry, markedAt: at.toISOString() };
        marked = true;
        this.#counts.markedMissing += 1;
      } catch (error) {
        this.#log.warn({ ...fields, err: error }, 'could not write the streams-missing marker; tried again at the next scheduled retry');
      }
    }
    if (!marked) {
      const delay = Math.min(failedRetry.maxDelayMs, failedRetry.minDelayMs * 2 ** Math.min(30, attempts - 1));
      entry = { ...entry, nextAt: new Date(at.getTime() + delay).toISOString() };
    }
    await this.#journal(cache.failed.put(entry));
    if (cache.pending.has(ref.sha256)) await this.#journal(cache.pending.delete(ref.sha256));
    if (marked) {
      this.#log.warn({ ...fields, reason, attempts, firstAt }, 'stream still missing at the source after the retry window; recorded in the backup as unavailable at the source');
    } else if (outcome.kind === 'missing') {
      this.#log.warn({ ...fields, reason, attempts, nextAt: entry.nextAt }, 'stream missing at the source; retried on schedule within the missing window');
    } else {
      this.#log.error(
        { ...fields, reason, attempts, nextAt: entry.nextAt, consecutive: this.#counts.consecutiveFailures },
        'stream copy failed; in the failed list, retried on schedule',
      );
    }
  }

  /**
   * Every journal write goes through here: a write that did not land whole reports the state
   * directory not ready (ENOSPC clearly named) and rejects, so the batch depending on it is not
   * committed; a journal that can make nothing durable any more stops the daemon (exit 6).
   */
  async #journal(write: Promise<void>): Promise<void> {
    try {
      await write;
    } catch (error) {
      const code = error instanceof JournalWriteError ? error.code : ((error as NodeJS.ErrnoException).code ?? 'EIO');
      const reason = code === 'ENOSPC' ? `the state directory is full (ENOSPC): ${(error as Error).message}` : `the stream journal cannot be written: ${(error as Error).message}`;
      const first = !this.#stateDirProblem;
      this.#stateDirProblem = true;
      this.#readiness.set(READINESS.stateDir, reason);
      if (first) this.#log.error({ code, err: error }, `${reason}; batches that reference new streams are not committed until it can be written`);
      if (error instanceof JournalWriteError && error.broken) this.#stopForStateDir(error.message);
      throw error;
    }
    if (this.#stateDirProblem) {
      this.#stateDirProblem = false;
      this.#readiness.clear(READINESS.stateDir);
      this.#log.info('the stream journal is writable again');
    }
  }

  #stateDirProblem = false;

    #stopForStateDir(why: string): void {
    if (this.#state === 'halted') return;
    this.#state = 'halted';
    void this.#retryLoop?.stop();
    const dropped = this.#pool.halt();
    this.#log.error({ queuedLeftInJournal: dropped }, `nothing more can be made durable in the state directory; stopping the daemon: ${why}`);
    this.#requestStop(`state directory unusable: ${why}`);
  }
}

/** A failed entry is due when its `nextAt` passed; older entries without one: `at` + the first delay. */
function isRetryDue(entry: FailedStream, now: number, minDelayMs: number): boolean {
  if (entry.markedAt !== undefined) return false;
  const due = entry.nextAt !== undefined ? Date.parse(entry.nextAt) : Date.parse(entry.at) + minDelayMs;
  return !Number.isFinite(due) || due <= now;
}
