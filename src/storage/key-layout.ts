/**
 * Every S3 key streamvault writes is built here, from validated parts only, so that no event
 * content can steer a write outside the backup's prefix.
 *
 *   {prefix}events/{source}/{event}/p{partition:6}/{firstOffset:20}-{yyyy-mm-dd}.avro
 *   {prefix}manifests/{source}/{event}/p{partition:6}/{firstOffset:20}.json
 *   {prefix}streams/{sha256[0:2]}/{sha256}
 *   {prefix}streams-missing/{sha256[0:2]}/{sha256}.json   a stream the source never had (see missing-stream-markers.ts)
 *   {prefix}streamvault.json                     the location's config (repository-config.ts)
 *   {prefix}topics/{topic}.json        the original topic's partition count and configs (topic-record.ts)
 *   {prefix}offsets/{topic}/{yyyy-mm-dd}/{yyyy-mm-ddThh-mm-ss.sssZ}.json   consumer-group offsets (offset-snapshot.ts)
 *   {prefix}gaps/{source}/{event}/p{partition:6}/{from:20}.json   offsets that expired before the backup read them (retention-gap.ts)
 *   {prefix}locks/prune.json, {prefix}locks/writers/{host}-{pid}.json   prune's and the daemons' locks (location-locks.ts)
 *
 * Keys are deterministic from pair, partition and first offset: a batch replayed after a crash
 * rewrites the same keys. Zero padding makes lexical order offset order. The day (UTC, from the
 * first record's timestamp, so it is deterministic too) is for people browsing the bucket. A
 * timestamp whose day has no four-digit year (outside 0000-01-01..9999-12-31 UTC as milliseconds,
 * e.g. a producer writing nanoseconds) gets the day `0000-00-00`: readers never parse the day.
 */
import { SAFE_NAME, TOPIC_NAME } from '../config/pair.js';

import { SHA256_HEX } from '../refs/stream-ref.js';

export { SHA256_HEX };

export interface PairName {
  readonly source: string;
  readonly event: string;
}

export class KeyLayout {
  readonly prefix: string;

  constructor(prefix: string) {
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  }

  eventsObjectKey(pair: PairName, partition: number, firstOffset: string, firstTimestamp: bigint): string {
    const day = utcDay(firstTimestamp);
    return `${this.partitionFolder('events', pair, partition)}${padOffset(firstOffset)}-${day}.avro`;
  }

  manifestKey(pair: PairName, partition: number, firstOffset: string): string {
    return `${this.partitionFolder('manifests', pair, partition)}${padOffset(firstOffset)}.json`;
  }

  /**
   * A retention gap: offsets `from`.. of a partition that expired at the source before the backup
   * read them. Keyed by the first missing offset, so noticing the same gap again overwrites it.
   */
  retentionGapKey(pair: PairName, partition: number, from: string): string {
    return `${this.partitionFolder('gaps', pair, partition)}${padOffset(from)}.json`;
  }

  /** All retention gaps, or those of one pair. */
  retentionGapsPrefix(pair?: PairName): string {
    return pair ? `${this.prefix}gaps/${checkName(pair.source)}/${checkName(pair.event)}/` : `${this.prefix}gaps/`;
  }

  /** The manifests of one partition of a pair. */
  partitionManifestsPrefix(pair: PairName, partition: number): string {
    return this.partitionFolder('manifests', pair, partition);
  }

  /** All manifests, or those of one pair. */
  manifestsPrefix(pair?: PairName): string {
    return pair ? `${this.prefix}manifests/${checkName(pair.source)}/${checkName(pair.event)}/` : `${this.prefix}manifests/`;
  }

  streamKey(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) {
      throw new Error(`expected a sha256 of 64 lowercase hex characters, got ${JSON.stringify(sha256.slice(0, 80))}`);
    }
    return `${this.prefix}streams/${sha256.slice(0, 2)}/${sha256}`;
  }

  /** What the backup recorded about an original topic, for a restore that has to create it. */
  topicRecordKey(topic: string): string {
    if (!TOPIC_NAME.test(topic) || topic === '.' || topic === '..') throw new Error(`expected a Kafka topic name (1-249 of [a-zA-Z0-9._-], not . or ..), got ${JSON.stringify(topic.slice(0, 300))}`);
    return `${this.prefix}topics/${topic}.json`;
  }

  /**
   * A snapshot of the consumer groups' committed offsets on one original topic, taken at `takenAt`
   * (UTC; colons become dashes so the key is portable). Lexical order is time order.
   */
  offsetSnapshotKey(topic: string, takenAt: Date): string {
    const iso = takenAt.toISOString();
    return `${this.offsetSnapshotsPrefix(topic)}${iso.slice(0, 10)}/${iso.replaceAll(':', '-')}.json`;
  }

  /** Every offset snapshot of one original topic. */
  offsetSnapshotsPrefix(topic: string): string {
    return `${this.prefix}offsets/${checkTopic(topic)}/`;
  }

  streamsPrefix(): string {
    return `${this.prefix}streams/`;
  }

  /**
   * The marker that a referenced stream was still missing at its source when the daemon's retry
   * window ran out: part of the backup, so verify and restore can tell it from damage.
   */
  streamMissingKey(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) {
      throw new Error(`expected a sha256 of 64 lowercase hex characters, got ${JSON.stringify(sha256.slice(0, 80))}`);
    }
    return `${this.prefix}streams-missing/${sha256.slice(0, 2)}/${sha256}.json`;
  }

  streamsMissingPrefix(): string {
    return `${this.prefix}streams-missing/`;
  }

  /**
   * A tiny object the daemon rewrites to prove the bucket is writable (`/readyz`); one per
   * instance, outside events/, manifests/ and streams/ so no reader mistakes it for backup data.
   */
  readinessProbeKey(instance: string): string {
    return `${this.prefix}health/${instance.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200) || 'instance'}`;
  }

  /** What the location is: format and the settings that shape what is written (repository-config.ts). */
  repositoryConfigKey(): string {
    return `${this.prefix}streamvault.json`;
  }

  /** The exclusive lock of `streamvault prune` (location-locks.ts). */
  pruneLockKey(): string {
    return `${this.prefix}locks/prune.json`;
  }

  /** The shared lock a backup daemon holds while it writes, one per host and process. */
  writerLockKey(host: string, pid: number): string {
    return `${this.writerLocksPrefix()}${host.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200) || 'host'}-${Math.trunc(pid)}.json`;
  }

  writerLocksPrefix(): string {
    return `${this.prefix}locks/writers/`;
  }

  /** Every events object (events/). */
  eventsPrefix(): string {
    return `${this.prefix}events/`;
  }

  /** Every offset snapshot (offsets/). */
  allOffsetSnapshotsPrefix(): string {
    return `${this.prefix}offsets/`;
  }

  /** A throwaway key the backup writes and deletes at start to see whether the store enforces conditional writes. */
  conditionalWriteProbeKey(nonce: string): string {
    return `${this.prefix}health/conditional-write-probe-${nonce.replace(/[^A-Za-z0-9-]/g, '_').slice(0, 64)}`;
  }

  private partitionFolder(kind: string, pair: PairName, partition: number): string {
    if (!Number.isInteger(partition) || partition < 0) throw new Error(`expected a partition number >= 0, got ${partition}`);
    return `${this.prefix}${kind}/${checkName(pair.source)}/${checkName(pair.event)}/p${String(partition).padStart(6, '0')}/`;
  }
}

/** Day a timestamp (ms) falls on, UTC, or OUT_OF_RANGE_DAY when it has no `yyyy-mm-dd` form. */
export function utcDay(timestampMs: bigint): string {
  // Date covers +-8.64e15 ms; years beyond 9999 or before 0000 print as +275760 / -000001.
  if (timestampMs < MIN_DAY_MS || timestampMs > MAX_DAY_MS) return OUT_OF_RANGE_DAY;
  return new Date(Number(timestampMs)).toISOString().slice(0, 10);
}

export const OUT_OF_RANGE_DAY = '0000-00-00';
const MIN_DAY_MS = BigInt(Date.parse('0000-01-01T00:00:00.000Z'));
const MAX_DAY_MS = BigInt(Date.parse('9999-12-31T23:59:59.999Z'));

export function padOffset(offset: string): string {
  if (!/^\d{1,20}$/.test(offset)) throw new Error(`expected a Kafka offset (non-negative integer), got ${JSON.stringify(offset)}`);
  return offset.padStart(20, '0');
}

function checkTopic(topic: string): string {
  if (!TOPIC_NAME.test(topic) || topic === '.' || topic === '..') throw new Error(`expected a Kafka topic name (1-249 of [a-zA-Z0-9._-], not . or ..), got ${JSON.stringify(topic.slice(0, 300))}`);
  return topic;
}

function checkName(name: string): string {
  if (!SAFE_NAME.test(name)) throw new Error(`expected a safe source or event name, got ${JSON.stringify(name)}`);
  return name;
}
