import PQueue from 'p-queue';
import type { KeyLayout } from '../storage/key-layout.js';
import { readManifests, type ManifestReadProblem } from '../storage/manifest-reader.js';
import type { ObjectStore } from '../storage/object-store.js';
import { formatBytes } from '../output/format-bytes.js';
import { CONTENT_SIZE_METADATA, ENCODING_METADATA } from '../streams/stream-encoding.js';
import { ENCRYPTION_ENCODING_STEP } from '../storage/decrypting-object-store.js';
import { describeRetentionGap, readRetentionGaps, type RetentionGap } from '../storage/retention-gap.js';

export interface PairStats {
  readonly source: string;
  readonly event: string;
  readonly topic: string;
  readonly batches: number;
  /** Records in the pair's objects. Batches can overlap after a crash, so this may count a replayed event twice. */
  readonly events: number;
  readonly malformed: number;
  /** Bytes of the pair's events objects. */
  readonly bytes: number;
  /** Codecs of its objects (Avro names), sorted. */
  readonly codecs: readonly string[];
  /** Serialized record bytes before the codec, of the batches whose manifest records them. */
  readonly uncompressedBytes: number;
  /** Stored bytes of those same batches: uncompressedBytes / measuredBytes is the compression ratio. */
  readonly measuredBytes: number;
  readonly partitions: number;
  /** Kafka timestamps (ms) of the oldest and newest event; undefined for a pair without batches. */
  readonly firstTimestamp: bigint | undefined;
  readonly lastTimestamp: bigint | undefined;
}

export interface StreamStats {
  /** Blobs stored under streams/. */
  readonly stored: number;
  readonly storedBytes: number;
  /** Stream references in the manifests (one per event that names a stream). */
  readonly references: number;
  /** Distinct sha256 the manifests reference. */
  readonly referenced: number;
  /** Bytes the references would take if every one were stored separately (stored blobs only). */
  readonly referencedBytes: number;
  /** referencedBytes minus the bytes of the distinct referenced blobs: what content addressing saved. */
  readonly dedupSavedBytes: number;
  /** Referenced sha256 with no stored blob (see `streamvault verify`). */
  readonly missing: number;
  /** Stored blobs whose metadata names an encoding (compression). */
  readonly compressed: number;
  /** Content bytes of the stored blobs whose content size is known (uncompressed, or recorded at upload). */
  readonly contentBytes: number;
  /** Stored bytes of those same blobs: contentBytes / measuredBytes is the compression ratio. */
  readonly measuredBytes: number;
  /** Compressed blobs without a recorded content size (the source announced none): not in the ratio. */
  readonly sizeUnknown: number;
}

export interface BackupStats {
  readonly pairs: readonly PairStats[];
  readonly totals: {
    readonly batches: number;
    readonly events: number;
    readonly bytes: number;
    readonly uncompressedBytes: number;
    readonly measuredBytes: number;
  };
  readonly streams: StreamStats;
  readonly problems: readonly ManifestReadProblem[];
  /** Offsets that expired at the source before they were backed up (gaps/), sorted by pair, partition, from. */
  readonly retentionGaps: readonly RetentionGap[];
  /** Gap objects that could not be read. */
  readonly retentionGapProblems: readonly ManifestReadProblem[];
}

/**
 * Summarises a backup from its manifests, one listing of the streams and one HEAD per stored
 * stream (its encoding and content size are metadata); downloads no data.
 */
export async function computeBackupStats(deps: { store: ObjectStore; layout: KeyLayout; concurrency?: number }): Promise<BackupStats> {
  const { store, layout } = deps;
  const listing = await readManifests(store, layout);
  const gaps = await readRetentionGaps(store, layout);
  const byPair = new Map<string, { stats: Mutable<PairStats>; partitions: Set<number>; codecs: Set<string> }>();
  const referenceCounts = new Map<string, number>();
  for (const entry of listing.entries) {
    const id = `${entry.source}/${entry.event}`;
    let slot = byPair.get(id);
    if (!slot) {
      slot = {
        stats: {
          source: entry.source,
          event: entry.event,
          topic: entry.topic,
          batches: 0,
          events: 0,
          malformed: 0,
          bytes: 0,
          codecs: [],
          uncompressedBytes: 0,
          measuredBytes: 0,
          partitions: 0,
          firstTimestamp: undefined,
          lastTimestamp: undefined,
        },
        partitions: new Set(),
        codecs: new Set(),
      };
      byPair.set(id, slot);
    }
    const s = slot.stats;
    s.batches += 1;
    s.events += entry.count;
    s.malformed += entry.malformed;
    s.bytes += entry.bytes;
    slot.codecs.add(entry.codec);
    if (entry.uncompressedBytes !== undefined) {
      s.uncompressedBytes += entry.uncompressedBytes;
      s.measuredBytes += entry.bytes;
    }
    slot.partitions.add(entry.partition);
    s.firstTimestamp = s.firstTimestamp === undefined || entry.minTimestamp < s.firstTimestamp ? entry.minTimestamp : s.firstTimestamp;
    s.lastTimestamp = s.lastTimestamp === undefined || entry.maxTimestamp > s.lastTimestamp ? entry.maxTimestamp : s.lastTimestamp;
    for (const stream of entry.streams) referenceCounts.set(stream.sha256, (referenceCounts.get(stream.sha256) ?? 0) + 1);
  }

  const storedSizes = new Map<string, number>();
  for await (const object of store.list(layout.streamsPrefix())) {
    const sha256 = object.key.slice(object.key.lastIndexOf('/') + 1);
    storedSizes.set(sha256, object.size);
  }
  let references = 0;
  let referencedBytes = 0;
  let distinctBytes = 0;
  let missing = 0;
  for (const [sha256, count] of referenceCounts) {
    references += count;
    const size = storedSizes.get(sha256);
    if (size === undefined) {
      missing += 1;
      continue;
    }
    referencedBytes += size * count;
    distinctBytes += size;
  }
  let storedBytes = 0;
  for (const size of storedSizes.values()) storedBytes += size;
  const content = await contentSizes(store, layout, [...storedSizes], deps.concurrency ?? 16);

  const pairs = [...byPair.values()].map(({ stats, partitions, codecs }) => ({ ...stats, partitions: partitions.size, codecs: [...codecs].sort() }));
  return {
    pairs,
    totals: {
      batches: pairs.reduce((n, p) => n + p.batches, 0),
      events: pairs.reduce((n, p) => n + p.events, 0),
      bytes: pairs.reduce((n, p) => n + p.bytes, 0),
      uncompressedBytes: pairs.reduce((n, p) => n + p.uncompressedBytes, 0),
      measuredBytes: pairs.reduce((n, p) => n + p.measuredBytes, 0),
    },
    streams: {
      stored: storedSizes.size,
      storedBytes,
      references,
      referenced: referenceCounts.size,
      referencedBytes,
      dedupSavedBytes: referencedBytes - distinctBytes,
      missing,
      ...content,
    },
    problems: listing.problems,
    retentionGaps: gaps.gaps,
    retentionGapProblems: gaps.problems,
  };
}

/** Content size of each stored blob from its metadata: an unencoded blob is its own size. */
async function contentSizes(
  store: ObjectStore,
  layout: KeyLayout,
  stored: ReadonlyArray<[string, number]>,
  concurrency: number,
): Promise<Pick<StreamStats, 'compressed' | 'contentBytes' | 'measuredBytes' | 'sizeUnknown'>> {
  let compressed = 0;
  let contentBytes = 0;
  let measuredBytes = 0;
  let sizeUnknown = 0;
  const queue = new PQueue({ concurrency });
  await queue.addAll(
    stored.map(([sha256]) => async () => {
      const head = await store.head(layout.streamKey(sha256));
      if (!head) return; // deleted since the listing
      // `aes256gcm` (client-side encryption) is not compression: a blob only sealed counts as
      // uncompressed, at its content size when recorded (else its stored size: 16 bytes a 64 KiB chunk more).
      const steps = (head.metadata[ENCODING_METADATA] ?? '').split(',').map((step) => step.trim()).filter((step) => step !== '');
      const compressionSteps = steps.filter((step) => step !== ENCRYPTION_ENCODING_STEP);
      if (compressionSteps.length === 0) {
        const recorded = Number(head.metadata[CONTENT_SIZE_METADATA]);
        contentBytes += steps.length > 0 && Number.isSafeInteger(recorded) && recorded >= 0 ? recorded : head.size;
        measuredBytes += head.size;
        return;
      }
      compressed += 1;
      const size = Number(head.metadata[CONTENT_SIZE_METADATA]);
      if (!Number.isSafeInteger(size) || size < 0) {
        sizeUnknown += 1;
        return;
      }
      contentBytes += size;
      measuredBytes += head.size;
    }),
  );
  return { compressed, contentBytes, measuredBytes, sizeUnknown };
}

/** `content / stored` as `3.21x`, or `-` when nothing was measured. */
export function formatRatio(content: number, stored: number): string {
  return stored > 0 ? `${(content / stored).toFixed(2)}x` : '-';
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Human-readable table for the terminal. */
export function formatBackupStats(stats: BackupStats): string {
  const iso = (ms: bigint | undefined) => (ms === undefined ? '-' : isoOrRaw(ms));
  const rows = stats.pairs.map((p) => [
    `${p.source}/${p.event}`,
    String(p.batches),
    String(p.events),
    String(p.malformed),
    formatBytes(p.bytes),
    p.codecs.join(','),
    formatRatio(p.uncompressedBytes, p.measuredBytes),
    iso(p.firstTimestamp),
    iso(p.lastTimestamp),
  ]);
  const header = ['pair', 'batches', 'events', 'malformed', 'bytes', 'codec', 'ratio', 'first event', 'last event'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const s = stats.streams;
  return [
    line(header),
    ...rows.map(line),
    '',
    `total: ${stats.totals.batches} batches, ${stats.totals.events} events, ${formatBytes(stats.totals.bytes)}` +
      (stats.totals.measuredBytes > 0
        ? `; compression ${formatRatio(stats.totals.uncompressedBytes, stats.totals.measuredBytes)} (${formatBytes(stats.totals.uncompressedBytes)} of records in ${formatBytes(stats.totals.measuredBytes)})`
        : ''),
    `streams: ${s.stored} stored (${formatBytes(s.storedBytes)}); ${s.references} references to ${s.referenced} distinct streams` +
      `${s.missing > 0 ? ` (${s.missing} missing)` : ''}; dedup saved ${formatBytes(s.dedupSavedBytes)}`,
    ...(s.compressed > 0
      ? [
          `streams compression: ${s.compressed} compressed; ${formatRatio(s.contentBytes, s.measuredBytes)} (${formatBytes(s.contentBytes)} of content in ${formatBytes(s.measuredBytes)})` +
            (s.sizeUnknown > 0 ? `; ${s.sizeUnknown} without a recorded content size left out` : ''),
        ]
      : []),
    ...stats.problems.map((p) => `unreadable manifest: ${p.reason}`),
    ...(stats.retentionGaps.length > 0
      ? [`retention gaps: ${stats.retentionGaps.length} (records that expired at the source before they were backed up; not in the backup)`]
      : []),
    ...stats.retentionGaps.map((g) => `retention gap: ${describeRetentionGap(g)}`),
    ...stats.retentionGapProblems.map((p) => `unreadable retention gap: ${p.reason}`),
  ].join('\n');
}

/** ISO 8601 while the timestamp is inside the Date range, the raw value otherwise (e.g. nanoseconds). */
function isoOrRaw(ms: bigint): string {
  return ms >= -8_640_000_000_000_000n && ms <= 8_640_000_000_000_000n ? new Date(Number(ms)).toISOString() : `${ms} (out of the date range)`;
}
