import PQueue from 'p-queue';
import type { PairCounts, PlanCounts } from '../output/restore-plan-output.js';
import type { StreamRef } from '../refs/stream-ref.js';
import { compareOffsets, readManifests, type ManifestReadProblem } from '../storage/manifest-reader.js';
import type { KeyLayout } from '../storage/key-layout.js';
import type { ManifestEntry } from '../storage/manifest.js';
import type { ObjectStore } from '../storage/object-store.js';
import { readRetentionGaps, type RetentionGap } from '../storage/retention-gap.js';
import { batchInsideRanges, batchOverlapsRanges, unknownRangePartitions, type OffsetRange } from './offset-ranges.js';

/** `both` (the default): streams, events, then consumer-group offsets; `offsets`: only the offsets (events already in the target). */
export type RestoreWhat = 'events' | 'streams' | 'offsets' | 'both';

export function includesEvents(what: RestoreWhat): boolean {
  return what === 'events' || what === 'both';
}

export function includesStreams(what: RestoreWhat): boolean {
  return what === 'streams' || what === 'both';
}

export function includesOffsets(what: RestoreWhat): boolean {
  return what === 'offsets' || what === 'both';
}

/** What the operator asked for. Times are inclusive, in ms since the epoch (UTC). */
export interface RestoreScope {
  /** Empty: every source in the backup. */
  readonly sources: readonly string[];
  /** Empty: every event type in the backup. */
  readonly events: readonly string[];
  readonly what: RestoreWhat;
  readonly sinceMs: number | undefined;
  readonly untilMs: number | undefined;
  /** `--partition/--from-offset/--to-offset` (offset-ranges.ts); absent or empty: every partition, every offset. */
  readonly offsetRanges?: readonly OffsetRange[];
}

export type ParsedTimestamp = { ok: true; ms: number } | { ok: false; message: string };

/**
 * `--since`/`--until`: an ISO 8601 time in UTC (`2026-01-02T03:04:05Z`, or with an explicit offset),
 * a UTC date (`2026-01-02` = midnight UTC), or milliseconds since the epoch. A time without a zone is
 * refused: guessing the operator's zone during an outage is how the wrong data gets restored.
 */
export function parseTimestamp(flag: string, raw: string): ParsedTimestamp {
  const text = raw.trim();
  if (/^\d{1,16}$/.test(text)) return { ok: true, ms: Number(text) };
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const ms = Date.parse(`${text}T00:00:00Z`);
    if (!Number.isNaN(ms)) return { ok: true, ms };
  }
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/i.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return { ok: true, ms };
  }
  return {
    ok: false,
    message: `${flag}: expected a UTC time such as 2026-01-02T03:04:05Z, a date such as 2026-01-02, or epoch milliseconds, got ${JSON.stringify(raw)}`,
  };
}

export function inTimeScope(scope: Pick<RestoreScope, 'sinceMs' | 'untilMs'>, timestampMs: bigint): boolean {
  return (scope.sinceMs === undefined || timestampMs >= scope.sinceMs) && (scope.untilMs === undefined || timestampMs <= scope.untilMs);
}

/** One original partition's batches in scope, sorted by first offset (overlaps possible). */
export interface PlannedPartition {
  readonly source: string;
  readonly event: string;
  /** Original topic. */
  readonly topic: string;
  readonly partition: number;
  readonly batches: readonly ManifestEntry[];
}

/** Where a planned blob is posted: a stream reference without its sha256, which the PlannedStream holds. */
export type StreamReference = Pick<StreamRef, 'source' | 'label'>;

export interface PlannedStream {
  readonly sha256: string;
  /** Key of the blob in the backup bucket. */
  readonly key: string;
  /** Bytes of the stored blob; `undefined` when the backup does not hold it (it will be reported). */
  readonly size: number | undefined;
  /** Every (source, label) an event in scope references it under: it is posted once to each. */
  readonly references: readonly StreamReference[];
  /** Not in the backup, and a streams-missing marker says the source never had it (not damage). */
  readonly unavailableAtSource?: boolean;
}

/** One pair's totals, the same fields the dry run shows (output/restore-plan-output.ts). */
export type PairTotals = PairCounts;

export interface RestorePlan {
  readonly scope: RestoreScope;
  readonly partitions: readonly PlannedPartition[];
  readonly streams: readonly PlannedStream[];
  /** Manifests that could not be read: reported as errors, their batches cannot be restored. */
  readonly problems: readonly ManifestReadProblem[];
  /** Offset ranges naming a partition the backup does not hold (in the source/event scope): the restore refuses them. */
  readonly unknownRanges: readonly string[];
  /**
   * Retention gaps of the pairs in scope (overlapping the offset ranges, when given; gaps carry no
   * timestamps, so --since/--until do not narrow them): offsets the backup never had. Gap objects
   * that cannot be read come with the manifest problems.
   */
  readonly retentionGaps: readonly RetentionGap[];
}

export interface PlanTotals extends PlanCounts {
  readonly pairs: readonly PairTotals[];
}

/**
 * Plans a restore from the manifests alone (plus one HEAD per stream for its size), before
 * anything is written: the operator sees the totals first, and progress has a fixed denominator.
 */
export async function buildRestorePlan(
  store: ObjectStore,
  layout: KeyLayout,
  scope: RestoreScope,
  options: { concurrency: number },
): Promise<RestorePlan> {
  const listing = await readManifests(store, layout);
  const byPartition = new Map<string, { entries: ManifestEntry[]; first: ManifestEntry }>();
  const ranges = scope.offsetRanges ?? [];
  const knownPartitions = new Set<string>();
  for (const entry of listing.entries) {
    if (scope.sources.length > 0 && !scope.sources.includes(entry.source)) continue;
    if (scope.events.length > 0 && !scope.events.includes(entry.event)) continue;
    knownPartitions.add(`${entry.topic}:${entry.partition}`);
    if (scope.sinceMs !== undefined && entry.maxTimestamp < scope.sinceMs) continue;
    if (scope.untilMs !== undefined && entry.minTimestamp > scope.untilMs) continue;
    if (!batchOverlapsRanges(ranges, entry.topic, entry.partition, BigInt(entry.firstOffset), BigInt(entry.lastOffset))) continue;
    const id = `${entry.source}\u0000${entry.event}\u0000${entry.topic}\u0000${entry.partition}`;
    const group = byPartition.get(id) ?? { entries: [], first: entry };
    group.entries.push(entry);
    byPartition.set(id, group);
  }
  const partitions: PlannedPartition[] = [...byPartition.values()].map(({ entries, first }) => ({
    source: first.source,
    event: first.event,
    topic: first.topic,
    partition: first.partition,
    // readManifests sorts by pair, partition, first offset already; keep that order explicit here.
    batches: entries.sort((a, b) => compareOffsets(a.firstOffset, b.firstOffset)),
  }));

  const streams = !includesStreams(scope.what) ? [] : await planStreams(store, layout, partitions, scope, options.concurrency);
  const gaps = await readRetentionGaps(store, layout);
  const retentionGaps = gaps.gaps.filter(
    (g) =>
      (scope.sources.length === 0 || scope.sources.includes(g.source)) &&
      (scope.events.length === 0 || scope.events.includes(g.event)) &&
      batchOverlapsRanges(ranges, g.topic, g.partition, BigInt(g.from), BigInt(g.to)),
  );
  return {
    scope,
    partitions,
    streams,
    problems: [...listing.problems, ...gaps.problems],
    unknownRanges: unknownRangePartitions(ranges, knownPartitions),
    retentionGaps,
  };
}

async function planStreams(
  store: ObjectStore,
  layout: KeyLayout,
  partitions: readonly PlannedPartition[],
  scope: RestoreScope,
  concurrency: number,
): Promise<PlannedStream[]> {
  const references = new Map<string, Map<string, StreamReference>>();
  for (const p of partitions) {
    for (const batch of p.batches) {
      for (const s of batch.streams) {
        if (!inTimeScope(scope, s.timestamp)) continue;
        const refs = references.get(s.sha256) ?? new Map<string, StreamReference>();
        refs.set(`${s.source}\u0000${s.label}`, { source: s.source, label: s.label });
        references.set(s.sha256, refs);
      }
    }
  }
  const queue = new PQueue({ concurrency });
  const planned = await Promise.all(
    [...references].map(([sha256, refs]) =>
      queue.add(async (): Promise<PlannedStream> => {
        const key = layout.streamKey(sha256);
        const head = await store.head(key);
        const unavailableAtSource = head === undefined && (await store.head(layout.streamMissingKey(sha256))) !== undefined;
        return { sha256, key, size: head?.size, references: [...refs.values()], ...(unavailableAtSource ? { unavailableAtSource } : {}) };
      }),
    ),
  );
  return planned.sort((a, b) => a.sha256.localeCompare(b.sha256));
}

export function planTotals(plan: Pick<RestorePlan, 'partitions' | 'streams' | 'scope'>): PlanTotals {
  const pairs = new Map<string, { source: string; event: string; topic: string; batches: number; events: number; exact: boolean; bytes: number }>();
  const withEvents = includesEvents(plan.scope.what);
  for (const p of plan.partitions) {
    const id = `${p.source}/${p.event}`;
    const t = pairs.get(id) ?? { source: p.source, event: p.event, topic: p.topic, batches: 0, events: 0, exact: true, bytes: 0 };
    let last = -1n;
    for (const b of p.batches) {
      const first = BigInt(b.firstOffset);
      const end = BigInt(b.lastOffset);
      // Offsets may have gaps (compaction, control records), so an overlap is only estimated from ranges.
      const overlap = last >= first ? Math.min(b.count, Number((last < end ? last : end) - first + 1n)) : 0;
      t.batches += 1;
      t.events += b.count - overlap;
      t.bytes += b.bytes;
      if (!inTimeScopeWhole(plan.scope, b) || !batchInsideRanges(plan.scope.offsetRanges ?? [], p.topic, p.partition, first, end)) t.exact = false;
      if (end > last) last = end;
    }
    pairs.set(id, t);
  }
  const pairList = [...pairs.values()].map((t) => ({
    source: t.source,
    event: t.event,
    topic: t.topic,
    batches: t.batches,
    events: t.events,
    eventsExact: t.exact,
    bytes: t.bytes,
  }));
  const batches = withEvents ? pairList.reduce((n, p) => n + p.batches, 0) : 0;
  const eventBytes = withEvents ? pairList.reduce((n, p) => n + p.bytes, 0) : 0;
  const streamPosts = plan.streams.reduce((n, s) => n + s.references.length, 0);
  const streamBytes = plan.streams.reduce((n, s) => n + (s.size ?? 0) * s.references.length, 0);
  return {
    pairs: pairList,
    batches,
    events: withEvents ? pairList.reduce((n, p) => n + p.events, 0) : 0,
    eventBytes,
    streams: plan.streams.length,
    streamPosts,
    streamBytes,
    missingStreams: plan.streams.filter((s) => s.size === undefined && !s.unavailableAtSource).length,
    unavailableAtSource: plan.streams.filter((s) => s.size === undefined && s.unavailableAtSource).length,
    files: batches + streamPosts,
    bytes: eventBytes + streamBytes,
  };
}

function inTimeScopeWhole(scope: RestoreScope, b: ManifestEntry): boolean {
  return (scope.sinceMs === undefined || b.minTimestamp >= scope.sinceMs) && (scope.untilMs === undefined || b.maxTimestamp <= scope.untilMs);
}
