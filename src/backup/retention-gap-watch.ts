import pRetry from 'p-retry';
import { pairId, type Pair } from '../config/pair.js';
import type { Logger } from '../observability/logger.js';
import type { OffsetsAdmin } from '../observability/consumer-lag.js';
import type { KeyLayout } from '../storage/key-layout.js';
import { parseManifest } from '../storage/manifest.js';
import type { ObjectStore } from '../storage/object-store.js';
import { gapOffsets, readRetentionGap, writeRetentionGap, type RetentionGap } from '../storage/retention-gap.js';
import { decideRetentionGap, needsBackupEnd, type GapDecision } from './retention-gap-decision.js';
import type { PartitionGapStats } from '../observability/metrics.js';

export interface RetentionGapWatchDeps {
  readonly pair: Pair;
  readonly admin: Pick<OffsetsAdmin, 'fetchTopicOffsets'>;
  readonly store: ObjectStore;
  readonly layout: KeyLayout;
  readonly logger: Logger;
  /** Host name recorded in each gap (which daemon noticed it). */
  readonly host: string;
  readonly now: () => Date;
}

/** Where one assigned partition continues, as the worker needs it. */
export interface PartitionStart {
  readonly partition: number;
  /** The offset the backup continues at (undefined: the configured start, not known before the first fetch). */
  readonly continueAt: bigint | undefined;
  /** Seek there before fetching (after a gap: the log start, so that nothing retained is skipped). */
  readonly seekTo: bigint | undefined;
}

/** Manifests looked at, newest first, for the backup's end: batches may overlap after a replay. */
const TAIL_MANIFESTS = 3;

/**
 * Notices records that expired before the backup read them and records each gap in the backup
 * (storage/retention-gap.ts) before anything reads past it, logs it at error level once per gap
 * and process, and counts it for metrics. Asked by the PairWorker when partitions are assigned
 * (start, rebalance) and when a fetch starts above where the partition was (kafkajs moved it
 * after OFFSET_OUT_OF_RANGE). Decisions: retention-gap-decision.ts.
 */
export class RetentionGapWatch {
  readonly #deps: RetentionGapWatchDeps;
  readonly #log: Logger;
  /** Gap keys logged at error level by this process, with the `to` logged. */
  readonly #logged = new Map<string, bigint>();
  readonly #stats = new Map<number, { gaps: number; offsets: bigint }>();

  constructor(deps: RetentionGapWatchDeps) {
    this.#deps = deps;
    this.#log = deps.logger.child({ pair: pairId(deps.pair), topic: deps.pair.topic });
  }

  /** Per partition of this process: gaps noticed and offsets in them. */
  stats(): PartitionGapStats[] {
    return [...this.#stats].sort(([a], [b]) => a - b).map(([partition, s]) => ({ partition, ...s }));
  }

  /**
   * For newly assigned partitions, given where the backup continues (`committed`: the group's
   * commit, or the one taken over from the pair's former group; start-offsets.ts): the log start
   * offsets, a gap recorded for each partition whose log start passed it, and where to read on.
   */
  async atAssignment(partitions: readonly number[], committed: ReadonlyMap<number, bigint>): Promise<PartitionStart[]> {
    const { admin, pair } = this.#deps;
    const ends = await withRetries(() => admin.fetchTopicOffsets(pair.topic));
    const starts: PartitionStart[] = [];
    for (const partition of partitions) {
      const low = ends.find((e) => e.partition === partition)?.low;
      if (low === undefined) {
        starts.push({ partition, continueAt: committed.get(partition), seekTo: undefined });
        continue;
      }
      const logStart = BigInt(low);
      const commit = committed.get(partition);
      const backupEnd = needsBackupEnd(commit, logStart) ? await this.#backupEnd(partition) : undefined;
      const decision = decideRetentionGap({ committed: commit, backupEnd, logStart });
      if (decision.kind === 'gap') await this.#record(partition, decision, logStart);
      starts.push({
        partition,
        continueAt: decision.kind === 'start' ? undefined : decision.kind === 'gap' ? decision.seekTo : decision.continueAt,
        seekTo: decision.kind === 'gap' ? decision.seekTo : undefined,
      });
    }
    return starts;
  }

  /**
   * A fetch of `partition` started at `fetchedOffset`, above `expected` (where the partition
   * was): kafkajs moved it (OFFSET_OUT_OF_RANGE resets to the earliest or latest offset). A gap
   * is recorded only if the log start offset is above `expected`; returns where to read on then.
   */
  async afterJump(partition: number, expected: bigint, fetchedOffset: bigint): Promise<{ seekTo: bigint | undefined }> {
    const ends = await withRetries(() => this.#deps.admin.fetchTopicOffsets(this.#deps.pair.topic));
    const low = ends.find((e) => e.partition === partition)?.low;
    if (low === undefined) return { seekTo: undefined };
    const logStart = BigInt(low);
    const decision = decideRetentionGap({ committed: expected, backupEnd: undefined, logStart });
    if (decision.kind !== 'gap') return { seekTo: undefined };
    await this.#record(partition, decision, logStart);
    // Reset to the end (STREAMVAULT_KAFKA_FROM_BEGINNING=false) would skip retained records too.
    return { seekTo: fetchedOffset > decision.seekTo ? decision.seekTo : undefined };
  }

  /** The offset after the last record the backup holds for the partition, from its newest manifests. */
  async #backupEnd(partition: number): Promise<bigint | undefined> {
    const { store, layout, pair } = this.#deps;
    const prefix = layout.partitionManifestsPrefix(pair, partition);
    const keys: string[] = [];
    for await (const object of store.list(prefix)) if (object.key.endsWith('.json')) keys.push(object.key);
    let end: bigint | undefined;
    for (const key of keys.sort().slice(-TAIL_MANIFESTS)) {
      const parsed = parseManifest(key, await store.get(key));
      if (!parsed.ok) continue;
      const next = BigInt(parsed.entry.lastOffset) + 1n;
      if (end === undefined || next > end) end = next;
    }
    return end;
  }

  async #record(partition: number, decision: Extract<GapDecision, { kind: 'gap' }>, logStart: bigint): Promise<void> {
    const { pair, store, layout } = this.#deps;
    const gap: RetentionGap = {
      format: 'streamvault.retention-gap',
      version: 1,
      source: pair.source,
      event: pair.event,
      topic: pair.topic,
      partition,
      from: decision.from.toString(),
      to: decision.to.toString(),
      continuedFrom: decision.continuedFrom,
      logStartOffset: logStart.toString(),
      noticedAt: this.#deps.now().toISOString(),
      host: this.#deps.host,
    };
    const key = layout.retentionGapKey(pair, partition, gap.from);
    const stored = await readRetentionGap(store, key).catch(() => undefined);
    const fields = { partition, from: gap.from, to: gap.to, offsets: gapOffsets(gap).toString(), continuedFrom: gap.continuedFrom, key };
    if (stored && BigInt(stored.to) >= decision.to) {
      // Noticed again (a restart before anything past it was committed): already in the backup.
      this.#log.info({ ...fields, noticedAt: stored.noticedAt, by: stored.host }, 'retention gap already recorded in the backup');
      this.#count(partition, key, BigInt(stored.from), BigInt(stored.to));
      return;
    }
    // Durable before anything reads past it: once kafkajs moves the group's offset, nothing else remembers where the gap began.
    await writeRetentionGap(store, layout, gap);
    const logged = this.#logged.get(key);
    if (logged === undefined || logged < decision.to) {
      this.#log.error(
        fields,
        'retention gap: records expired at the source before they were backed up; the range is recorded in the backup and reading continues at the log start offset',
      );
    }
    this.#count(partition, key, decision.from, decision.to);
  }

  /** Counts a gap once per process; a gap that grew adds the new offsets. */
  #count(partition: number, key: string, from: bigint, to: bigint): void {
    const logged = this.#logged.get(key);
    if (logged !== undefined && logged >= to) return;
    const s = this.#stats.get(partition) ?? { gaps: 0, offsets: 0n };
    if (logged === undefined) {
      s.gaps += 1;
      s.offsets += to - from + 1n;
    } else {
      s.offsets += to - logged;
    }
    this.#stats.set(partition, s);
    this.#logged.set(key, to);
  }
}

/** kafkajs does not retry offset fetches; a coordinator that is loading or just moved answers retriably. */
function withRetries<T>(work: () => Promise<T>): Promise<T> {
  return pRetry(work, {
    retries: 5,
    minTimeout: 200,
    maxTimeout: 2000,
    shouldRetry: ({ error }) => (error as { retriable?: unknown }).retriable === true,
  });
}
