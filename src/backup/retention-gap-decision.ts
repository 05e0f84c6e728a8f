/**
 * Where a partition's backup continues, and whether records expired before it got there.
 *
 * "Where the backup continues" is the consumer group's committed offset. A group without one
 * (a new backup, or a group whose offsets Kafka expired: offsets.retention.minutes) continues
 * after the last record the backup already holds for the partition (`backupEnd`: used to tell
 * whether records were lost, while the consumer still starts where STREAMVAULT_KAFKA_FROM_BEGINNING
 * says, as it always did; a replay of records the backup holds rewrites the same keys); with neither,
 * the backup starts where STREAMVAULT_KAFKA_FROM_BEGINNING says (the earliest retained record, or
 * the end) and nothing before that was ever in its scope, so nothing is missing.
 *
 * A gap is decided by the log start offset alone (the earliest offset the partition retains),
 * never by offsets the fetched records skip: compaction, transaction markers and aborted records
 * leave holes in the offsets of a healthy log, and none of them moves the log start offset.
 */
export type GapDecision =
  /** Nothing to continue from: the configured start applies. */
  | { readonly kind: 'start' }
  /** Every record from `continueAt` on is retained; the consumer starts where it would anyway. */
  | { readonly kind: 'continue'; readonly continueAt: bigint }
  /** Offsets from..to (inclusive) expired before they were backed up; read on from `seekTo` (the log start). */
  | {
      readonly kind: 'gap';
      readonly from: bigint;
      readonly to: bigint;
      readonly continuedFrom: 'committed-offset' | 'backup-end';
      readonly seekTo: bigint;
    };

export interface GapInput {
  /** The group's committed offset (the next to read); undefined when it has none. */
  readonly committed: bigint | undefined;
  /** The offset after the last record the backup holds for the partition; undefined when it holds none (or it was not looked up). */
  readonly backupEnd: bigint | undefined;
  /** The partition's log start offset (earliest retained). */
  readonly logStart: bigint;
}

export function decideRetentionGap(input: GapInput): GapDecision {
  const { committed, backupEnd, logStart } = input;
  if (committed === undefined && backupEnd === undefined) return { kind: 'start' };
  // A batch written but not committed (a crash between the two) is in the backup: the gap, if
  // any, starts after it.
  const continueAt = committed === undefined ? backupEnd! : backupEnd !== undefined && backupEnd > committed ? backupEnd : committed;
  const continuedFrom = committed !== undefined && continueAt === committed ? 'committed-offset' : 'backup-end';
  if (logStart > continueAt) return { kind: 'gap', from: continueAt, to: logStart - 1n, continuedFrom, seekTo: logStart };
  return { kind: 'continue', continueAt };
}

/** Whether the backup end must be looked up (it only matters without a commit or when a gap seems to exist). */
export function needsBackupEnd(committed: bigint | undefined, logStart: bigint): boolean {
  return committed === undefined || logStart > committed;
}
