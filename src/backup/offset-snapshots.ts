import type { Admin } from 'kafkajs';
import pRetry from 'p-retry';
import { every, type IntervalLoop } from '../observability/interval-loop.js';
import type { Logger } from '../observability/logger.js';
import type { KeyLayout } from '../storage/key-layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import { OFFSET_SNAPSHOT_FORMAT, writeOffsetSnapshot, type OffsetSnapshot } from '../storage/offset-snapshot.js';

/** The admin calls a snapshot needs; kafkajs's Admin for real, a fake in unit tests. */
export type SnapshotAdmin = Pick<Admin, 'listGroups' | 'fetchOffsets' | 'describeGroups'>;

/** Groups streamvault itself runs besides the backup's own: the restore's and the drill's scans. */
export const OWN_GROUP_PREFIXES: readonly string[] = ['streamvault-restore-scan-', 'streamvault-drill-read-'];

export interface OffsetSnapshotsDeps {
  readonly admin: SnapshotAdmin;
  readonly store: ObjectStore;
  readonly layout: KeyLayout;
  readonly logger: Logger;
  /** The backed-up topics, each with the backup's own consumer groups for it (the one backup group). */
  readonly topics: ReadonlyArray<{ topic: string; backupGroups: readonly string[] }>;
  /** Other groups of streamvault's never snapshotted (the per-pair groups of earlier versions). */
  readonly otherOwnGroups?: readonly string[];
  /** STREAMVAULT_OFFSETS_GROUPS: group ids or `*` patterns; empty: every group with offsets on the topics. */
  readonly groupPatterns: readonly string[];
  /** Milliseconds between snapshots. */
  readonly intervalMs: number;
  readonly now: () => Date;
}

export type SnapshotRunResult =
  | { kind: 'taken'; written: string[]; unchanged: number; groups: number }
  | { kind: 'failed'; error: string };

/** `*` matches any characters; everything else literally. */
export function groupMatcher(patterns: readonly string[]): (group: string) => boolean {
  if (patterns.length === 0) return () => true;
  const regexes = patterns.map((p) => new RegExp(`^${p.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`));
  return (group) => regexes.some((r) => r.test(group));
}

/**
 * Snapshots, on an interval, the committed offsets of the consumer groups reading the backed-up
 * topics (storage/offset-snapshot.ts), each with the backup's own committed offsets read in the
 * same run: those say up to where the backup held the data when the group stood where it did.
 * A topic's snapshot is written only when something in it changed since the last one this
 * process wrote, so an idle cluster does not fill the bucket.
 */
export class OffsetSnapshots {
  readonly #deps: OffsetSnapshotsDeps;
  readonly #isOwn: (group: string) => boolean;
  readonly #wanted: (group: string) => boolean;
  /** Per topic: the content (takenAt aside) of the last snapshot written. */
  readonly #lastWritten = new Map<string, string>();
  #loop: IntervalLoop | undefined;
  #running: Promise<SnapshotRunResult> | undefined;

  constructor(deps: OffsetSnapshotsDeps) {
    this.#deps = deps;
    const own = new Set([...deps.topics.flatMap((t) => t.backupGroups), ...(deps.otherOwnGroups ?? [])]);
    this.#isOwn = (group) => own.has(group) || OWN_GROUP_PREFIXES.some((p) => group.startsWith(p));
    this.#wanted = groupMatcher(deps.groupPatterns);
  }

  /** A first snapshot now, then one per interval. */
  start(): void {
    // run() never rejects: it logs a failed snapshot itself.
    this.#loop ??= every(this.#deps.intervalMs, () => this.run(), { runAtStart: true, onError: () => {} });
  }

  /** Stops the schedule and waits for a snapshot in progress. */
  async stop(): Promise<void> {
    await this.#loop?.stop();
    await this.#running;
  }

  /** One snapshot of every topic; overlapping callers share it. Never rejects. */
  run(): Promise<SnapshotRunResult> {
    this.#running ??= this.#runOnce().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #runOnce(): Promise<SnapshotRunResult> {
    const { logger } = this.#deps;
    try {
      const result = await this.#take();
      if (result.written.length > 0) logger.info({ written: result.written, groups: result.groups }, 'consumer-group offsets snapshotted');
      else logger.debug({ unchanged: result.unchanged, groups: result.groups }, 'consumer-group offsets unchanged; no snapshot written');
      return result;
    } catch (error) {
      logger.warn({ err: error }, 'consumer-group offsets could not be snapshotted; retried at the next interval');
      return { kind: 'failed', error: (error as Error).message };
    }
  }

  async #take(): Promise<Extract<SnapshotRunResult, { kind: 'taken' }>> {
    const { admin, topics } = this.#deps;
    const names = [...new Set(topics.map((t) => t.topic))];
    const retried = <T>(call: () => Promise<T>) =>
      // A coordinator still loading or just moved answers with a retriable error. Few retries: a
      // shutdown waits for a snapshot in flight, and a missed one is taken at the next interval.
      pRetry(call, { retries: 2, minTimeout: 200, maxTimeout: 1000, shouldRetry: ({ error }) => (error as { retriable?: unknown }).retriable === true });

    // The backup's own commits first: a group offset read afterwards is compared with data that
    // was durable at least this far.
    const backedUp = new Map<string, Map<number, bigint>>();
    // One offset fetch per backup group, for all of its topics (one group serves every pair).
    const topicsOfGroup = new Map<string, string[]>();
    for (const { topic, backupGroups } of topics) {
      backedUp.set(topic, backedUp.get(topic) ?? new Map<number, bigint>());
      for (const groupId of backupGroups) topicsOfGroup.set(groupId, [...(topicsOfGroup.get(groupId) ?? []), topic]);
    }
    for (const [groupId, groupTopics] of topicsOfGroup) {
      for (const t of await retried(() => admin.fetchOffsets({ groupId, topics: groupTopics }))) {
        const byPartition = backedUp.get(t.topic);
        if (!byPartition) continue;
        for (const p of t.partitions) {
          const below = BigInt(p.offset);
          if (below >= 0n && below > (byPartition.get(p.partition) ?? -1n)) byPartition.set(p.partition, below);
        }
      }
    }

    const listed = await retried(() => admin.listGroups());
    const candidates = listed.groups.map((g) => g.groupId).filter((g) => !this.#isOwn(g) && this.#wanted(g)).sort();
    const committed = new Map<string, Map<string, OffsetSnapshot['groups'][number]['partitions']>>();
    for (const groupId of candidates) {
      const fetched = await retried(() => admin.fetchOffsets({ groupId, topics: names }));
      for (const t of fetched) {
        const partitions = t.partitions
          .filter((p) => BigInt(p.offset) >= 0n)
          .map((p) => ({ partition: p.partition, committed: p.offset, metadata: p.metadata ?? null }))
          .sort((a, b) => a.partition - b.partition);
        if (partitions.length === 0) continue;
        const byGroup = committed.get(t.topic) ?? new Map();
        byGroup.set(groupId, partitions);
        committed.set(t.topic, byGroup);
      }
    }
    const withOffsets = [...new Set([...committed.values()].flatMap((m) => [...m.keys()]))];
    const states = new Map<string, string>();
    if (withOffsets.length > 0) {
      // The state is for people only: a cluster that cannot describe a group (e.g. one of Kafka 4's
      // new-protocol consumer groups to an old DescribeGroups) still gets its offsets snapshotted.
      try {
        for (const g of (await retried(() => admin.describeGroups(withOffsets))).groups) states.set(g.groupId, g.state);
      } catch (error) {
        this.#deps.logger.debug({ err: error }, 'consumer groups could not be described; their state is recorded as Unknown');
      }
    }

    const takenAt = this.#deps.now().toISOString();
    const written: string[] = [];
    let unchanged = 0;
    for (const topic of names) {
      const groups = [...(committed.get(topic) ?? new Map<string, OffsetSnapshot['groups'][number]['partitions']>())].map(([group, partitions]) => ({
        group,
        state: states.get(group) ?? 'Unknown',
        partitions,
      }));
      const snapshot: OffsetSnapshot = {
        format: OFFSET_SNAPSHOT_FORMAT,
        version: 1,
        topic,
        takenAt,
        backedUp: [...(backedUp.get(topic) ?? new Map<number, bigint>())].sort(([a], [b]) => a - b).map(([partition, below]) => ({ partition, below: below.toString() })),
        groups,
      };
      const content = JSON.stringify({ ...snapshot, takenAt: undefined });
      const previous = this.#lastWritten.get(topic);
      // A topic no group ever read gets no snapshots; one whose groups went away gets one saying so.
      if (content === previous || (previous === undefined && groups.length === 0)) {
        unchanged += 1;
        continue;
      }
      written.push(await writeOffsetSnapshot(this.#deps.store, this.#deps.layout, snapshot));
      this.#lastWritten.set(topic, content);
    }
    return { kind: 'taken', written, unchanged, groups: withOffsets.length };
  }
}
