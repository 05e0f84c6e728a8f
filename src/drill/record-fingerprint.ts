import { createHash } from 'node:crypto';
import type { IHeaders } from 'kafkajs';
import type { BackupRecord } from '../events/backup-record.js';
import { ORIGINAL_OFFSET, ORIGINAL_PARTITION, ORIGINAL_TOPIC } from '../restore/restored-record.js';
import type { ScratchRecord } from './scratch-topic-reader.js';

/**
 * What a drill compares of one record, each field as a short sha256 (hex, 128 bits), so the
 * expected side of a large backup stays small in memory (about 200 bytes a record) while a
 * difference still says which field differs.
 */
export interface RecordFingerprint {
  readonly key: string;
  readonly value: string;
  readonly headers: string;
  readonly timestamp: string;
}

export const FINGERPRINT_FIELDS = ['key', 'value', 'headers', 'timestamp'] as const;

const ORIGINAL_HEADERS = [ORIGINAL_TOPIC, ORIGINAL_PARTITION, ORIGINAL_OFFSET];

function digestBytes(b: Buffer | null): string {
  const hash = createHash('sha256');
  if (b === null) hash.update('N');
  else hash.update('B').update(b);
  return hash.digest('hex').slice(0, 32);
}

/** Headers grouped by key in first-seen order, values base64, as kafkajs delivers them. */
function digestHeaders(grouped: ReadonlyArray<readonly [string, readonly Buffer[]]>): string {
  return createHash('sha256')
    .update(JSON.stringify(grouped.map(([key, values]) => [key, values.map((v) => v.toString('base64'))])))
    .digest('hex')
    .slice(0, 32);
}

/**
 * kafkajs cannot send a null header value (the restore sends it empty) and groups repeated keys
 * (the interleaving of different repeated keys is lost): both are documented limits, so the
 * expected side is put in that form rather than reported as a difference every drill.
 * A null-prototype object keeps JavaScript's key order the same on both sides.
 */
export function fingerprintBackupRecord(record: BackupRecord): RecordFingerprint {
  const grouped = Object.create(null) as Record<string, Buffer[]>;
  for (const h of record.headers) (grouped[h.key] ??= []).push(h.value ?? Buffer.alloc(0));
  return {
    key: digestBytes(record.key),
    value: digestBytes(record.value),
    headers: digestHeaders(Object.entries(grouped)),
    timestamp: String(record.timestamp),
  };
}

/** The restored record, without the last value of each original-position header (the restore appended those). */
export function fingerprintScratchRecord(record: ScratchRecord): RecordFingerprint {
  const grouped = Object.create(null) as Record<string, Buffer[]>;
  for (const [key, raw] of Object.entries(record.headers)) {
    const values = (Array.isArray(raw) ? raw : [raw]).filter((v) => v !== undefined).map((v) => Buffer.from(v as Buffer | string));
    if (ORIGINAL_HEADERS.includes(key)) values.pop();
    if (values.length > 0) grouped[key] = values;
  }
  return {
    key: digestBytes(record.key),
    value: digestBytes(record.value),
    headers: digestHeaders(Object.entries(grouped)),
    timestamp: record.timestamp,
  };
}

/** Where the restore says a scratch record came from, read from its last original-position headers. */
export function scratchOrigin(headers: IHeaders): { topic: string; partition: number; offset: bigint } | undefined {
  const last = (raw: IHeaders[string]) => {
    const v = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    return v === undefined ? undefined : v.toString();
  };
  const topic = last(headers[ORIGINAL_TOPIC]);
  const partition = last(headers[ORIGINAL_PARTITION]);
  const offset = last(headers[ORIGINAL_OFFSET]);
  if (topic === undefined || partition === undefined || offset === undefined) return undefined;
  if (!/^\d{1,10}$/.test(partition) || !/^\d{1,20}$/.test(offset)) return undefined;
  return { topic, partition: Number(partition), offset: BigInt(offset) };
}
