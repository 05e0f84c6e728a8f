import type { IHeaders } from 'kafkajs';
import type { TopicRecord } from './topic-reader.js';

const ORIGINAL = 'streamvault.original.';

const text = (v: IHeaders[string]) => (v === undefined ? '' : Array.isArray(v) ? v.map((x) => String(x)).join(',') : String(v));

/** A header list (kafkajs's grouped view) without the restore's own provenance headers. */
export function userHeaders(headers: IHeaders): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const key of Object.keys(headers).sort()) {
    if (key.startsWith(ORIGINAL)) continue;
    const value = headers[key];
    // kafkajs folds headers into a plain object, so a key such as `constructor` arrives as
    // [Object, <Buffer>]: its first element is the inherited member, not a header value.
    // What is neither bytes nor text is such a member (or Object.prototype itself for `__proto__`).
    const values = (Array.isArray(value) ? value : [value]).filter((v) => v === undefined || Buffer.isBuffer(v) || typeof v === 'string');
    for (const v of values) out.push([key, v === undefined ? '' : Buffer.from(v as Buffer | string).toString('base64')]);
  }
  return out;
}

/** Key, value, timestamp and headers as one comparable string (kafkajs's view of a record). */
export function topicRecordContent(r: TopicRecord): string {
  const b = (x: Buffer | null) => (x === null ? 'null' : x.toString('base64'));
  return JSON.stringify([r.timestamp, b(r.key), b(r.value), userHeaders(r.headers)]);
}

export interface RestoreComparison {
  /** Originals not found in the target. */
  lost: string[];
  /** Originals found more than once in the target. */
  duplicated: string[];
  /** Originals found with other content (key, value, headers, timestamp). */
  changed: string[];
  /** Original partitions whose records are not in original-offset order in the target. */
  outOfOrder: string[];
  restored: number;
}

/** Compares a restore target with the original topic, by the restore's provenance headers. */
export function compareRestore(originals: readonly TopicRecord[], restored: readonly TopicRecord[]): RestoreComparison {
  const byOriginal = new Map<string, TopicRecord[]>();
  const lastOffset = new Map<string, bigint>();
  const outOfOrder = new Set<string>();
  for (const r of restored) {
    const topic = text(r.headers[`${ORIGINAL}topic`]);
    const partition = text(r.headers[`${ORIGINAL}partition`]);
    const offset = text(r.headers[`${ORIGINAL}offset`]);
    const id = `${topic}/${partition}/${offset}`;
    const list = byOriginal.get(id) ?? [];
    list.push(r);
    byOriginal.set(id, list);
    // restored is in target partition and offset order: each original partition must ascend.
    const stream = `${topic}/${partition}`;
    const previous = lastOffset.get(stream);
    if (/^\d+$/.test(offset)) {
      if (previous !== undefined && BigInt(offset) <= previous) outOfOrder.add(stream);
      lastOffset.set(stream, BigInt(offset));
    }
  }
  const lost: string[] = [];
  const duplicated: string[] = [];
  const changed: string[] = [];
  for (const o of originals) {
    const id = `${o.topic}/${o.partition}/${o.offset}`;
    const found = byOriginal.get(id);
    if (!found) lost.push(id);
    else {
      if (found.length > 1) duplicated.push(id);
      if (found.some((f) => topicRecordContent(f) !== topicRecordContent(o))) changed.push(id);
    }
  }
  return { lost, duplicated, changed, outOfOrder: [...outOfOrder], restored: restored.length };
}
