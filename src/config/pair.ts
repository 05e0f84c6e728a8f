/** One configured source/event pair: the unit of work of a backup worker. */
export interface Pair {
  readonly source: string;
  readonly event: string;
  readonly topic: string;
}

export function pairId(pair: { source: string; event: string }): string {
  return `${pair.source}/${pair.event}`;
}

/**
 * Names that end up in S3 keys, consumer group ids and file names. Kept to a conservative
 * alphabet so that no configured name can escape its prefix.
 */
export const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$/;

/** Kafka's own rule for topic names. */
export const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;
