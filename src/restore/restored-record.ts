import { createHash } from 'node:crypto';
import type { IHeaders, Message } from 'kafkajs';
import type { BackupRecord } from '../events/backup-record.js';

/**
 * Headers every restored record carries, naming where it came from. Resume and the incremental
 * check read them back from the target: they are how the target itself says what it holds.
 */
export const ORIGINAL_TOPIC = 'streamvault.original.topic';
export const ORIGINAL_PARTITION = 'streamvault.original.partition';
export const ORIGINAL_OFFSET = 'streamvault.original.offset';
const ORIGINAL_HEADERS = new Set([ORIGINAL_TOPIC, ORIGINAL_PARTITION, ORIGINAL_OFFSET]);

export interface OriginalPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

/**
 * kafkajs takes headers as an object: repeated keys become one array (so the interleaving of
 * repeated keys is not reproducible), and it cannot send a null header value, which is sent as an
 * empty value instead. `nullHeaders` counts those so the summary can say so.
 */
export function toRestoredMessage(record: BackupRecord, partition: number): { message: Message; nullHeaders: number } {
  // No prototype: on a plain object a key such as `constructor` would find the inherited member
  // (and be sent as [Object, value], which kafkajs cannot encode), and `__proto__` would set the
  // prototype instead of a header.
  const headers = Object.create(null) as IHeaders;
  let nullHeaders = 0;
  for (const h of record.headers) {
    const value = h.value ?? Buffer.alloc(0);
    if (h.value === null) nullHeaders += 1;
    const existing = headers[h.key];
    if (existing === undefined) headers[h.key] = value;
    else headers[h.key] = [...(Array.isArray(existing) ? existing : [existing]), value] as Buffer[];
  }
  // If the record was itself restored once, our headers come last, and readers take the last value.
  appendHeader(headers, ORIGINAL_TOPIC, record.topic);
  appendHeader(headers, ORIGINAL_PARTITION, String(record.partition));
  appendHeader(headers, ORIGINAL_OFFSET, record.offset);
  return {
    message: { key: record.key, value: record.value, headers, timestamp: String(record.timestamp), partition },
    nullHeaders,
  };
}

function appendHeader(headers: IHeaders, key: string, value: string): void {
  const existing = headers[key];
  const buf = Buffer.from(value);
  if (existing === undefined) headers[key] = buf;
  else headers[key] = [...(Array.isArray(existing) ? existing : [existing]), buf] as Buffer[];
}

/** Where a target record came from, or `undefined` when it was not written by a restore. */
export function originalPosition(headers: IHeaders | undefined): OriginalPosition | undefined {
  if (!headers) return undefined;
  const topic = lastValue(headers[ORIGINAL_TOPIC]);
  const partition = lastValue(headers[ORIGINAL_PARTITION]);
  const offset = lastValue(headers[ORIGINAL_OFFSET]);
  if (topic === undefined || partition === undefined || offset === undefined) return undefined;
  if (!/^\d{1,10}$/.test(partition) || !/^\d{1,20}$/.test(offset)) return undefined;
  return { topic, partition: Number(partition), offset: BigInt(offset) };
}

function lastValue(raw: IHeaders[string]): string | undefined {
  const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  return value === undefined ? undefined : value.toString();
}

/** The part of a record a restore must reproduce, as both sides can see it. */
export interface ComparableRecord {
  readonly origin: OriginalPosition;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Without the original-position headers; grouped by key in first-seen order, as kafkajs delivers them. */
  readonly headers: IHeaders;
}

/**
 * `message`: the record's restored message when it was built already (its headers do not depend on
 * the target partition), so the restore does not build them a second time for the digest.
 */
export function comparableFromBackup(record: BackupRecord, message: Message = toRestoredMessage(record, record.partition).message): ComparableRecord {
  return {
    origin: { topic: record.topic, partition: record.partition, offset: BigInt(record.offset) },
    timestamp: String(record.timestamp),
    key: record.key,
    value: record.value,
    headers: message.headers ?? {},
  };
}

/**
 * A 128-bit digest of one record. Batch digests are the sum of their records' digests modulo
 * 2^128, so they do not depend on the order records are read back in (a batch restored by key
 * spreads over several target partitions), yet a missing, changed or duplicated record changes it.
 */
export function recordDigest(r: ComparableRecord): bigint {
  const hash = createHash('sha256');
  // The bytes hashed are the framing text and the buffers in order; how they are split into
  // updates does not change the digest. Text is gathered and sent with the next buffer: each
  // update is a call into OpenSSL, and a record with a few headers took a dozen of them.
  let text = `${r.origin.topic}\u0000${r.origin.partition}\u0000${r.origin.offset}\u0000${r.timestamp}\u0000`;
  const field = (b: Buffer | null) => {
    if (b === null) {
      text += 'N';
      return;
    }
    hash.update(`${text}B${b.length}:`).update(b);
    text = '';
  };
  field(r.key);
  field(r.value);
  for (const [key, raw] of Object.entries(r.headers)) {
    if (ORIGINAL_HEADERS.has(key)) continue;
    for (const v of Array.isArray(raw) ? raw : [raw]) {
      text += `H${key.length}:${key}`;
      // A Buffer is hashed as it is (no copy); a string header value as its UTF-8 bytes.
      field(v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v));
    }
  }
  if (text !== '') hash.update(text);
  const digest = hash.digest();
  return (digest.readBigUInt64BE(0) << 64n) | digest.readBigUInt64BE(8);
}

export const DIGEST_MODULUS = 1n << 128n;

export function addDigest(sum: bigint, digest: bigint): bigint {
  return (sum + digest) % DIGEST_MODULUS;
}
