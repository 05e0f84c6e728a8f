import type { KafkaMessage } from 'kafkajs';
import type { BackupRecord } from '../events/backup-record.js';

export interface ConvertedRecord {
  readonly record: BackupRecord;
  /** What could not be taken over exactly (the record is backed up all the same); empty when exact. */
  readonly problems: readonly string[];
}

/** What a fresh plain object already "has" under a key: kafkajs's header decoder trips over these. */
const PLAIN_OBJECT: Readonly<Record<string, unknown>> = {};

/**
 * kafkajs (2.2.4, protocol/recordBatch/record/v0/decoder.js) folds the decoded header list into a
 * plain object: `obj[key] === undefined ? value : [...existing, value]`. For a key that a plain
 * object inherits (`constructor`, `toString`, `hasOwnProperty`, `__proto__`, ...) the lookup finds
 * the inherited member, so the first value arrives as `[Object, <Buffer>]` (`__proto__` as
 * `[Object.prototype, <Buffer>]`), later values appended. The inherited member is recognised by
 * identity and dropped, which restores the values exactly.
 *
 * What kafkajs hides and no consumer of it can recover: the interleaving of repeated keys (they
 * come grouped, key order then each key's values in order), and the bytes of a header key that is
 * not valid UTF-8 (it decodes keys with `toString('utf8')`, so such bytes become U+FFFD); such a
 * key is backed up as kafkajs delivers it and reported as a problem.
 */
export function toBackupRecord(topic: string, partition: number, message: KafkaMessage): ConvertedRecord {
  const problems: string[] = [];
  const headers: Array<{ key: string; value: Buffer | null }> = [];
  for (const [key, raw] of Object.entries(message.headers ?? {})) {
    let values: unknown[] = Array.isArray(raw) ? raw : [raw];
    const inherited = PLAIN_OBJECT[key];
    if (inherited !== undefined && values[0] === inherited) values = values.slice(1);
    if (key.includes('\uFFFD')) {
      problems.push(`header key ${JSON.stringify(key)} holds U+FFFD: its original bytes may not have been UTF-8 (kafkajs decodes keys as UTF-8)`);
    }
    for (const value of values) {
      const bytes = headerBytes(value);
      if (bytes === undefined) {
        problems.push(`header ${JSON.stringify(key)}: expected bytes or null from kafkajs, got ${describe(value)}; left out`);
        continue;
      }
      headers.push({ key, value: bytes });
    }
  }
  const record: BackupRecord = {
    topic,
    partition,
    offset: message.offset,
    // kafkajs gives the timestamp as a decimal string of the 64-bit value.
    timestamp: BigInt(message.timestamp),
    // Copies: kafkajs hands out slices of the whole fetch response (up to 16 MiB), and a batch
    // that keeps one small slice would keep all of that response alive until it is written.
    key: ownCopy(message.key ?? null),
    value: ownCopy(message.value ?? null),
    headers,
  };
  return { record, problems };
}

function ownCopy(bytes: Buffer | null): Buffer | null {
  return bytes === null ? null : Buffer.from(bytes);
}

function headerBytes(value: unknown): Buffer | null | undefined {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return Buffer.from(value);
  if (typeof value === 'string') return Buffer.from(value);
  return undefined;
}

function describe(value: unknown): string {
  if (typeof value === 'function') return `a function (${value.name || 'anonymous'})`;
  return typeof value;
}
