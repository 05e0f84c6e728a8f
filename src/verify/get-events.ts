import type { BackupRecord } from '../events/backup-record.js';
import { readContainer } from '../events/avro-container.js';
import type { EventDecoder } from '../events/event-decoder.js';
import type { KeyLayout } from '../storage/key-layout.js';
import { getStreamIfExists, type ObjectStore } from '../storage/object-store.js';

/** One backed-up record as `get events` prints it; bytes are base64 so the output is exact. */
export interface PrintedRecord {
  topic: string;
  partition: number;
  offset: string;
  /** A number while exact, a decimal string beyond 2^53. */
  timestamp: number | string;
  /** base64, or null for a null key. */
  key: string | null;
  headers: Array<{ key: string; value: string | null }>;
  /** How `value` is given: decoded with the schema, raw base64 (no schema, or it did not decode), or a tombstone. */
  value_encoding: 'decoded' | 'base64' | 'null';
  value_type?: string;
  value: unknown;
  /** Why a value with a schema came out raw. */
  decode_error?: string;
}

export type GetEventsResult =
  | { kind: 'printed'; key: string; records: number }
  | { kind: 'missing'; key: string }
  | { kind: 'corrupt'; key: string; records: number; error: string };

/** Where the object is and which pair it belongs to, from its key alone. */
export function parseEventsKey(layout: KeyLayout, key: string): { key: string; source: string; event: string } | undefined {
  const full = key.startsWith(layout.prefix) ? key : `${layout.prefix}${key}`;
  const match = /^events\/([^/]+)\/([^/]+)\/p\d{6}\/\d{20}-\d{4}-\d{2}-\d{2}\.avro$/.exec(full.slice(layout.prefix.length));
  return match ? { key: full, source: match[1]!, event: match[2]! } : undefined;
}

/**
 * Prints every record of one events object, one at a time, as JSON lines (`json`) or readable
 * lines. Values are decoded with `decoder` when given and the value decodes; raw otherwise.
 */
export async function printEvents(
  deps: { store: ObjectStore; decoder: EventDecoder | undefined; out: NodeJS.WritableStream },
  key: string,
  format: 'json' | 'text',
): Promise<GetEventsResult> {
  const body = await getStreamIfExists(deps.store, key);
  if (!body) return { kind: 'missing', key };
  let records = 0;
  try {
    for await (const record of readContainer(body)) {
      records += 1;
      const printed = toPrinted(record, deps.decoder);
      deps.out.write(`${format === 'json' ? JSON.stringify(printed) : formatText(printed)}\n`);
    }
  } catch (error) {
    return { kind: 'corrupt', key, records, error: (error as Error).message };
  }
  return { kind: 'printed', key, records };
}

export function toPrinted(record: BackupRecord, decoder: EventDecoder | undefined): PrintedRecord {
  const base = {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: toJsonSafe(record.timestamp) as number | string,
    key: record.key === null ? null : record.key.toString('base64'),
    headers: record.headers.map((h) => ({ key: h.key, value: h.value === null ? null : h.value.toString('base64') })),
  };
  if (record.value === null) return { ...base, value_encoding: 'null', value: null };
  const raw = { ...base, value_encoding: 'base64' as const, value: record.value.toString('base64') };
  if (!decoder) return raw;
  const outcome = decoder.decode(record.value);
  if (outcome.kind === 'malformed') return { ...raw, decode_error: outcome.reason };
  return { ...base, value_encoding: 'decoded', value_type: outcome.typeName, value: toJsonSafe(outcome.value) };
}

/** bigint -> number when exact, else a decimal string; Buffer -> base64; the rest as is. */
export function toJsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(toJsonSafe);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toJsonSafe(v);
    return out;
  }
  return value;
}

function formatText(r: PrintedRecord): string {
  const key = r.key === null ? 'null' : printable(Buffer.from(r.key, 'base64'));
  const value =
    r.value_encoding === 'decoded'
      ? `${r.value_type} ${JSON.stringify(r.value)}`
      : r.value_encoding === 'null'
        ? 'null (tombstone)'
        : `base64:${String(r.value)}${r.decode_error ? ` (not decoded: ${r.decode_error})` : ''}`;
  return `${r.topic}/${r.partition}@${r.offset} ${isoOrRaw(BigInt(r.timestamp))} key=${key} headers=${r.headers.length} value=${value}`;
}

function printable(buf: Buffer): string {
  const text = buf.toString('utf8');
  return Buffer.from(text, 'utf8').equals(buf) && !/[\u0000-\u001f]/.test(text) ? JSON.stringify(text) : `base64:${buf.toString('base64')}`;
}

function isoOrRaw(ms: bigint): string {
  return ms >= -8_640_000_000_000_000n && ms <= 8_640_000_000_000_000n ? new Date(Number(ms)).toISOString() : `${ms}`;
}
