import { recordSize, type BackupRecord } from '../events/backup-record.js';
import type { BatchLimits } from '../config/settings.js';
import type { ManifestStream } from '../storage/manifest.js';

/** What a worker accumulates for one partition between two writes. */
export class PartitionBatch {
  readonly records: BackupRecord[] = [];
  readonly streams: ManifestStream[] = [];
  readonly malformedOffsets: string[] = [];
  /** Events decoded per schema generation (manifest `generations`). */
  readonly generations = new Map<string, number>();
  #bytes = 0;
  /**
   * The fetch position after these records and the offsets that followed them without a record
   * to back up (transaction markers, aborted records, compacted gaps): what a commit of this batch
   * may cover. Undefined until such offsets were seen; the commit is then the last record + 1.
   */
  #coveredTo: bigint | undefined;
  /** Monotonic time the first record arrived; undefined while empty. */
  #startedAt: number | undefined;

  constructor(readonly topic: string, readonly partition: number, readonly generation: number) {}

  get size(): number {
    return this.records.length;
  }

  get bytes(): number {
    return this.#bytes;
  }

  add(record: BackupRecord, now: number, inspection: { streams: readonly ManifestStream[]; malformed: boolean; generation?: string }): void {
    if (this.#startedAt === undefined) this.#startedAt = now;
    this.records.push(record);
    this.#bytes += recordSize(record);
    this.streams.push(...inspection.streams);
    if (inspection.malformed) this.malformedOffsets.push(record.offset);
    else if (inspection.generation !== undefined) this.generations.set(inspection.generation, (this.generations.get(inspection.generation) ?? 0) + 1);
  }

  /** Extends what a commit of this batch covers to `position` (the next offset to fetch). */
  coverUpTo(position: bigint): void {
    if (this.#coveredTo === undefined || position > this.#coveredTo) this.#coveredTo = position;
  }

  /** The offset a commit of this batch sets: past its last record and what followed it without records. */
  commitOffset(): bigint {
    const afterLast = BigInt(this.records[this.records.length - 1]!.offset) + 1n;
    return this.#coveredTo !== undefined && this.#coveredTo > afterLast ? this.#coveredTo : afterLast;
  }

  isFull(limits: BatchLimits): boolean {
    return this.records.length >= limits.maxEvents || this.#bytes >= limits.maxBytes;
  }

  isDue(now: number, limits: BatchLimits): boolean {
    return this.#startedAt !== undefined && now - this.#startedAt >= limits.maxAgeMs;
  }

  /** Age of the oldest unflushed event, 0 when empty. */
  age(now: number): number {
    return this.#startedAt === undefined ? 0 : now - this.#startedAt;
  }
}
