import { z } from 'zod';
import { SHA256_HEX, streamRefShape } from '../refs/stream-ref.js';

/**
 * One manifest entry per batch object, written after the object (data first, index second) as
 * its own immutable S3 object. Restore plans from manifests alone; verify checks each object
 * against its entry.
 */
const offsetString = z.string().regex(/^\d{1,20}$/);

/**
 * A Kafka timestamp, exact, as a bigint. Written as a JSON number while it is a safe integer (so
 * manifests of ordinary data look as they always did, and every older manifest reads), as a
 * decimal string beyond (2^53 and up: a JSON number there would be rounded by every reader).
 */
const kafkaTimestamp = z
  .union([z.number().refine(Number.isInteger, 'expected an integer timestamp'), z.string().regex(/^-?\d{1,20}$/)])
  .transform((value) => BigInt(value));

// The same validation as the stream journals (refs/stream-ref.ts): a manifest is the input of
// restore, which builds keys, URLs and file paths from source and label.
export const manifestStreamSchema = z.object({
  ...streamRefShape,
  /** Kafka timestamp (ms) of the referencing event, so point-in-time restores pick exact streams. */
  timestamp: kafkaTimestamp,
});

export const manifestEntrySchema = z.object({
  version: z.literal(1),
  key: z.string().min(1),
  source: z.string(),
  event: z.string(),
  topic: z.string(),
  partition: z.number().int().nonnegative(),
  firstOffset: offsetString,
  lastOffset: offsetString,
  count: z.number().int().positive(),
  malformed: z.number().int().nonnegative(),
  /** Offsets of events that did not decode with the schema; they are in the object all the same. */
  malformedOffsets: z.array(offsetString),
  /**
   * Events of the batch each schema generation decoded, by generation name (`{"v6": 3, "v7": 5}`).
   * Optional: absent in manifests written before generations existed, and when nothing in the
   * batch decoded (no schema, only malformed events or tombstones). Readers never need it.
   */
  generations: z.record(z.string(), z.number().int().nonnegative()).optional(),
  minTimestamp: kafkaTimestamp,
  maxTimestamp: kafkaTimestamp,
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(SHA256_HEX),
  /** The events object's Avro codec, as the Avro specification names it. */
  codec: z.enum(['null', 'deflate', 'zstandard']),
  /**
   * Bytes of the object's serialized records before the codec (`bytes` after it): the compression
   * ratio `streamvault stats` shows. Absent in manifests written before it was recorded.
   */
  uncompressedBytes: z.number().int().nonnegative().optional(),
  writtenAt: z.string(),
  streams: z.array(manifestStreamSchema),
});

export type ManifestEntry = z.infer<typeof manifestEntrySchema>;
export type ManifestStream = z.infer<typeof manifestStreamSchema>;

export function serializeManifest(entry: ManifestEntry): Buffer {
  return Buffer.from(`${JSON.stringify(entry, timestampsAsJson, 1)}\n`);
}

function timestampsAsJson(_key: string, value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

export type ParseManifestResult = { ok: true; entry: ManifestEntry } | { ok: false; reason: string };

export function parseManifest(key: string, body: Buffer): ParseManifestResult {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `manifest ${key}: expected JSON, got ${(error as Error).message}` };
  }
  const parsed = manifestEntrySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: `manifest ${key}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
    };
  }
  return { ok: true, entry: parsed.data };
}

/**
 * The streams of `mine` plus every stream `stored` recorded and `mine` lacks. A replay of a batch
 * (same key) may run with settings that find fewer references (no schema, another type map): what
 * a manifest once recorded is never dropped by a rewrite, so restores keep planning those streams.
 */
export function unionStreams(stored: readonly ManifestStream[], mine: readonly ManifestStream[]): ManifestStream[] {
  const identity = (s: ManifestStream) => `${s.sha256}\u0000${s.source}\u0000${s.label}\u0000${s.timestamp}`;
  const seen = new Set(mine.map(identity));
  return [...mine, ...stored.filter((s) => !seen.has(identity(s)))];
}
