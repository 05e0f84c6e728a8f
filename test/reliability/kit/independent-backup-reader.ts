import avro from 'avsc';
import { createHash } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { Decompress, decompress as zstdDecompress } from 'fzstd';

// The suite's own reader of a backup: the S3 SDK and avsc directly, none of the daemon's code
// (not readContainer, not readManifests), so a bug in the daemon's reader cannot hide a loss.

/** One record as found in one events object. Longs are bigints: nothing is rounded. */
export interface FoundRecord {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<{ key: string; value: Buffer | null }>;
  /** The events object it was found in. */
  object: string;
}

export interface FoundManifest {
  key: string;
  /** The manifest object's own key. */
  manifestKey: string;
  streams: Array<{ source: string; label: string; sha256: string }>;
  [field: string]: unknown;
}

export interface FoundBackup {
  /** Every occurrence of every record, by `topic/partition/offset`; overlapping objects give several. */
  occurrences: Map<string, FoundRecord[]>;
  /** Records in objects that have a manifest, by id (one occurrence each). */
  indexed: Map<string, FoundRecord>;
  manifests: FoundManifest[];
  eventObjects: string[];
  /** Stream objects by the sha256 in their key -> the sha256 of their bytes. */
  streams: Map<string, string>;
}

const bigintLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer): bigint => buf.readBigInt64LE(0),
  toBuffer: (value: bigint): Buffer => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(value));
    return buf;
  },
  fromJSON: (value: unknown): bigint => BigInt(value as string),
  toJSON: (value: bigint): string => value.toString(),
  isValid: (value: unknown): boolean => typeof value === 'bigint',
  compare: (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0),
});

export async function listKeys(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

async function bytes(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of (await bodyAndMetadata(client, bucket, key)).body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function bodyAndMetadata(client: S3Client, bucket: string, key: string): Promise<{ body: Readable; metadata: Record<string, string> }> {
  const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return { body: answer.Body as Readable, metadata: answer.Metadata ?? {} };
}

/**
 * Hashes a stream object's content: its `encoding` metadata (comma-separated, in the order
 * applied) says how to undo the stored bytes; gzip by zlib, zstd by fzstd (never the runtime's
 * zstd the daemon writes with), both streamed.
 */
export async function hashStreamContent(stored: Readable, encoding: string | undefined): Promise<string> {
  const hash = createHash('sha256');
  const steps = encoding ? encoding.split(',').map((s) => s.trim()).reverse() : [];
  const decoders: Transform[] = steps.map((step) => {
    if (step === 'gzip') return zlib.createGunzip();
    if (step === 'zstd') return fzstdStream();
    throw new Error(`stream object encoding ${JSON.stringify(encoding)}: the independent reader knows gzip and zstd`);
  });
  await pipeline([
    stored,
    ...decoders,
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        done();
      },
    }),
  ]);
  return hash.digest('hex');
}

function fzstdStream(): Transform {
  let decompressor: Decompress;
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        decompressor.push(chunk);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
    flush(done) {
      try {
        decompressor.push(new Uint8Array(0), true);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  });
  decompressor = new Decompress((data) => transform.push(Buffer.from(data)));
  return transform;
}

/** The Avro specification's `zstandard` codec (a zstd frame per block), by fzstd. */
const zstandard = (buf: Buffer, cb: (error: Error | null, out?: Buffer) => void): void => {
  let out: Buffer;
  try {
    out = Buffer.from(zstdDecompress(buf));
  } catch (error) {
    cb(error as Error);
    return;
  }
  cb(null, out);
};

/** Decodes one Avro object container file with avsc's own block decoder (null, deflate and zstandard codecs). */
export async function readContainerIndependently(data: Buffer): Promise<Array<Omit<FoundRecord, 'object'>>> {
  const decoder = new avro.streams.BlockDecoder({
    codecs: { ...(avro.streams.BlockDecoder as unknown as { defaultCodecs(): Record<string, unknown> }).defaultCodecs(), zstandard },
    parseHook: (schema: avro.Schema) => avro.Type.forSchema(schema, { registry: { long: bigintLong } as never }),
  });
  const out: Array<Omit<FoundRecord, 'object'>> = [];
  await new Promise<void>((resolve, reject) => {
    decoder.on('data', (r: { topic: string; partition: number; offset: bigint; timestamp: bigint; key: Buffer | null; value: Buffer | null; headers: Array<{ key: string; value: Buffer | null }> }) =>
      out.push({ topic: r.topic, partition: r.partition, offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers }),
    );
    decoder.on('error', reject);
    decoder.on('end', resolve);
    decoder.end(data);
  });
  return out;
}

/** Reads everything under `prefix` in `bucket`: events objects, manifests and stream objects. */
export async function readBackupIndependently(client: S3Client, bucket: string, prefix = ''): Promise<FoundBackup> {
  const manifestKeys = await listKeys(client, bucket, `${prefix}manifests/`);
  const manifests: FoundManifest[] = [];
  for (const manifestKey of manifestKeys) {
    const parsed = JSON.parse((await bytes(client, bucket, manifestKey)).toString('utf8')) as FoundManifest;
    manifests.push({ ...parsed, manifestKey });
  }
  const withManifest = new Set(manifests.map((m) => m.key));
  const eventObjects = await listKeys(client, bucket, `${prefix}events/`);
  const occurrences = new Map<string, FoundRecord[]>();
  const indexed = new Map<string, FoundRecord>();
  for (const object of eventObjects) {
    let records: Array<Omit<FoundRecord, 'object'>>;
    try {
      records = await readContainerIndependently(await bytes(client, bucket, object));
    } catch (error) {
      // An object can vanish between list and get (a replay overwrites, never deletes: so no), or
      // be unreadable: that is damage, and the caller sees the record missing.
      throw new Error(`events object ${object} is not a readable Avro container: ${String(error)}`);
    }
    for (const r of records) {
      const id = `${r.topic}/${r.partition}/${r.offset}`;
      const found = { ...r, object };
      const list = occurrences.get(id) ?? [];
      list.push(found);
      occurrences.set(id, list);
      if (withManifest.has(object)) indexed.set(id, found);
    }
  }
  const streams = new Map<string, string>();
  for (const key of await listKeys(client, bucket, `${prefix}streams/`)) {
    const stored = await bodyAndMetadata(client, bucket, key);
    streams.set(key.slice(key.lastIndexOf('/') + 1), await hashStreamContent(stored.body, stored.metadata.encoding));
  }
  return { occurrences, indexed, manifests, eventObjects, streams };
}

/** A record's content (key, value, headers, timestamp) as one comparable string. */
export function contentOf(r: Pick<FoundRecord, 'timestamp' | 'key' | 'value' | 'headers'>): string {
  const b = (x: Buffer | null) => (x === null ? 'null' : x.toString('base64'));
  return JSON.stringify([r.timestamp.toString(), b(r.key), b(r.value), r.headers.map((h) => [Buffer.from(h.key, 'utf8').toString('base64'), b(h.value)])]);
}

/**
 * Offsets stored in more than one place with different content. Overlapping objects after a crash
 * are legitimate (readers dedupe by offset) as long as every copy is the same record.
 */
export function conflictingDuplicates(found: FoundBackup): string[] {
  const out: string[] = [];
  for (const [id, list] of found.occurrences) {
    if (new Set(list.map(contentOf)).size > 1) out.push(id);
  }
  return out;
}
