import type { StreamPipeline, StreamPipelineStats } from '../backup/stream-pipeline.js';
import { renderForLog } from '../events/stream-references.js';
import {
  isValidStreamRef,
  truncateReason,
  type StreamFileCache,
  type StreamRef,
} from '../filecache/stream-file-cache.js';
import type { Logger } from '../observability/logger.js';
import type { ManifestStream } from '../storage/manifest.js';
import { HitCache } from './hit-cache.js';
import type { CopyOutcome, StreamCopier } from './stream-copier.js';
import { UploadPool } from './upload-pool.js';

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
  /** Failed copies in a row, 404s excluded, that stop the daemon (default 5). */
  readonly maxConsecutiveFailures: number;
  /** Wall clock, for journal timestamps. */
  readonly now: () => Date;
  readonly observer?: StreamPipelineObserver;
}

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
  };
  readonly stats: StreamPipelineStats;

  constructor(options: StreamPipelineOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'streams' });
    this.#hits = new HitCache(options.hitCacheSize);
    this.#pool = new UploadPool({
      concurrency: options.concurrency,
      maxQueued: options.maxQueued,
      run: (ref, signal) => this.#run(ref, signal),
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
    };
  }

  get state(): State {
    return this.#state;
  }

  /**
   * Replays the file cache: failed copies (not 404s) get another chance at every start, then
   * every pending reference is fed to the pool in the background, under the same bound as new ones.
   */
  async start(): Promise<void> {
    const { cache, now } = this.#o;
    for (const problem of cache.problems) this.#log.warn({ problem }, 'stream journal line skipped');
    const retry = cache.failed.values().filter((f) => f.kind === 'failed');
    if (retry.length > 0) {
      const since = now().toISOString();
      // Pending first, then removed from failed: a crash in between leaves it in both, never in neither.
      await cache.pending.apply(retry.map((f) => ({ op: 'put' as const, value: { source: f.source, label: f.label, sha256: f.sha256, since } })));
      await cache.failed.apply(retry.map((f) => ({ op: 'del' as const, key: f.sha256 })));
    }
    this.#state = 'running';
    const replay = cache.pending.values();
    this.#log.info(
      { pending: replay.length, retriedFailed: retry.length, missing: cache.failed.size },
      'stream pipeline started; replaying the pending journal',
    );
    this.#replay = (async () => {
      for (const entry of replay) {
        if (this.#state !== 'running') return;
        this.#hits.remember(entry.sha256);
        await this.#pool.admit(entry);
      }
    })().catch((error: unknown) => this.#log.error({ err: error }, 'replaying the pending journal failed; the rest replays at the next start'));
  }

  /**
   * Resolves once every reference is durable: journaled (then copied in the background), or known
   * durable already (hit cache, pending, failed list). Then waits for room in the pool, which is
   * the backpressure on the event worker; at shutdown it no longer waits.
   */
  async persist(streams: readonly ManifestStream[]): Promise<void> {
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
        continue;
      }
      fresh.set(ref.sha256, ref);
    }
    if (fresh.size === 0) return;
    const since = now().toISOString();
    await cache.pending.apply([...fresh.values()].map((ref) => ({ op: 'put' as const, value: { ...ref, since } })));
    for (const ref of fresh.values()) this.#hits.remember(ref.sha256);
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

  async #run(ref: StreamRef, signal: AbortSignal): Promise<void> {
    const { cache, copier, observer, now, maxConsecutiveFailures } = this.#o;
    const started = performance.now();
    let outcome: CopyOutcome;
    try {
      outcome = await copier.copy(ref, signal);
    } catch (error) {
      outcome = { kind: 'failed', reason: `copier threw: ${(error as Error).message}` };
    }
    const ms = Math.round(performance.now() - started);
    const fields = { sha256: ref.sha256, source: renderForLog(ref.source), label: renderForLog(ref.label), ms };
    try {
      switch (outcome.kind) {
        case 'stored':
          this.#counts.uploaded += 1;
          this.#counts.uploadedBytes += outcome.bytes;
          this.#counts.consecutiveFailures = 0;
          await cache.pending.delete(ref.sha256);
          this.#log.info({ ...fields, bytes: outcome.bytes, attempts: outcome.attempts }, 'stream stored');
          break;
        case 'deduped':
          this.#counts.deduped += 1;
          this.#counts.consecutiveFailures = 0;
          await cache.pending.delete(ref.sha256);
          this.#log.debug(fields, 'stream already stored');
          break;
        case 'missing':
          this.#counts.missing += 1;
          await cache.failed.put({ ...ref, kind: 'missing', reason: truncateReason(outcome.reason), at: now().toISOString() });
          await cache.pending.delete(ref.sha256);
          this.#log.warn({ ...fields, reason: outcome.reason }, 'stream missing at the source; recorded in the failed list');
          break;
        case 'failed':
          this.#counts.failed += 1;
          this.#counts.consecutiveFailures += 1;
          await cache.failed.put({ ...ref, kind: 'failed', reason: truncateReason(outcome.reason), at: now().toISOString() });
          await cache.pending.delete(ref.sha256);
          this.#log.error(
            { ...fields, reason: outcome.reason, consecutive: this.#counts.consecutiveFailures },
            'stream copy failed; recorded in the failed list (retried at the next start)',
          );
          if (this.#counts.consecutiveFailures >= maxConsecutiveFailures) this.#halt();
          break;
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
  }

  #halt(): void {
    if (this.#state === 'halted') return;
    this.#state = 'halted';
    const dropped = this.#pool.halt();
    const reason = `${this.#counts.consecutiveFailures} consecutive stream copies failed (STREAMVAULT_STREAM_MAX_CONSECUTIVE_FAILURES=${this.#o.maxConsecutiveFailures})`;
    this.#log.error({ queuedLeftInJournal: dropped }, `${reason}; stopping the daemon`);
    this.#requestStop(reason);
  }
}
