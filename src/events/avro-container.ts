import avro from 'avsc';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { zstdCompressBuffer, zstdDecompressBuffer } from '../compression/zstd.js';
import { backupRecordType, fromAvroRecord, toAvroRecord, type BackupRecord } from './backup-record.js';

/** Codec names as the Avro specification spells them (`zstandard`, not `zstd`), so any Avro reader reads the files. */
export type AvroCodec = 'null' | 'deflate' | 'zstandard';

/** STREAMVAULT_AVRO_CODEC's value to the codec name written in the file: `zstd` is Avro's `zstandard`. */
export function avroCodecName(setting: 'deflate' | 'null' | 'zstd'): AvroCodec {
  return setting === 'zstd' ? 'zstandard' : setting;
}

type BlockCodec = (buf: Buffer, cb: (err: Error | null, out?: Buffer) => void) => void;

/**
 * zlib's asynchronous calls compress on the thread pool but hand each output chunk to the main
 * thread, which then schedules the next: at the default 16 KiB chunks, a 1 MiB block is dozens of
 * round trips, which the bench's profile showed as a tenth of the daemon's main thread. A chunk
 * this size takes a block's output in one or two.
 */
const ZLIB_CHUNK_BYTES = 256 * 1024;

/**
 * Avro's `deflate` codec is raw deflate (RFC 1951) without zlib framing; `zstandard` is one zstd
 * frame per block. Writing zstd needs the runtime's (compression/zstd.ts); reading works everywhere.
 */
const codecs: Record<AvroCodec, BlockCodec> = {
  deflate: (buf, cb) => zlib.deflateRaw(buf, { chunkSize: ZLIB_CHUNK_BYTES }, cb),
  null: (buf, cb) => cb(null, buf),
  zstandard: (buf, cb) => zstdCompressBuffer(buf, cb),
};
const decoders: Record<AvroCodec, BlockCodec> = {
  deflate: (buf, cb) => zlib.inflateRaw(buf, { chunkSize: ZLIB_CHUNK_BYTES }, cb),
  null: (buf, cb) => cb(null, buf),
  zstandard: (buf, cb) => zstdDecompressBuffer(buf, cb),
};

/**
 * Bytes of serialized records per Avro block before the codec (avsc's default is 64 KiB). Each
 * block is one codec call, a zlib stream created and driven from the main thread, and avsc waits
 * for each block's before it serializes the next: at 64 KiB a 1,000-event batch of 2 KB events
 * was about 30 of them in turn; at 1 MiB it is two or three. A reader
 * holds one block at a time, so this is about the most a block adds to a reader's memory; a record
 * larger than it starts a new block, and avsc grows the block size to twice that record for the
 * rest of the container.
 */
export const EVENTS_BLOCK_BYTES = 1024 * 1024;

export interface EncodedContainer {
  readonly body: Buffer;
  /** Bytes of the serialized records before the codec: the stored size over this is the compression ratio. */
  readonly uncompressedBytes: number;
}

/**
 * Encodes records as an Avro object container file. The sync marker is derived from `seed` (the
 * object key) so that rewriting the same batch after a crash produces the same bytes.
 */
export async function encodeContainer(
  records: readonly BackupRecord[],
  options: { codec: AvroCodec; seed: string; metadata?: Record<string, string> },
): Promise<Buffer> {
  return (await encodeContainerMeasured(records, options)).body;
}

/** `encodeContainer`, also saying how many record bytes went into the codec. */
export async function encodeContainerMeasured(
  records: readonly BackupRecord[],
  options: { codec: AvroCodec; seed: string; metadata?: Record<string, string> },
): Promise<EncodedContainer> {
  let uncompressedBytes = 0;
  const measured: BlockCodec = (buf, cb) => {
    uncompressedBytes += buf.length;
    codecs[options.codec](buf, cb);
  };
  const metadata: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(options.metadata ?? {})) metadata[k] = Buffer.from(v);
  const encoder = new avro.streams.BlockEncoder(backupRecordType, {
    codec: options.codec,
    codecs: { [options.codec]: measured },
    blockSize: EVENTS_BLOCK_BYTES,
    syncMarker: createHash('sha256').update(options.seed).digest().subarray(0, 16),
    metadata,
  } as unknown as ConstructorParameters<typeof avro.streams.BlockEncoder>[1]);
  const chunks: Buffer[] = [];
  const done = pipeline(
    Readable.from(records.map(toAvroRecord)),
    encoder,
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) chunks.push(chunk);
    },
  );
  await done;
  return { body: Buffer.concat(chunks), uncompressedBytes };
}

/**
 * Reads records from an Avro container stream one at a time, so restore and verify hold one
 * block in memory, not the whole object. Rejects on a corrupt or truncated container.
 */
export async function* readContainer(input: Readable): AsyncGenerator<BackupRecord> {
  const decoder = new avro.streams.BlockDecoder({
    codecs: decoders,
    parseHook: () => backupRecordType,
  } as unknown as ConstructorParameters<typeof avro.streams.BlockDecoder>[0]);
  let sawHeader = false;
  decoder.on('metadata', () => {
    sawHeader = true;
  });
  input.on('error', (error) => decoder.destroy(error));
  for await (const record of input.pipe(decoder)) yield fromAvroRecord(record as Parameters<typeof fromAvroRecord>[0]);
  // avsc ends quietly when the input stops mid-header or mid-block; a backup reader must not.
  if (!sawHeader) throw new Error('not an Avro object container: the header is missing or incomplete');
  const tap = (decoder as unknown as { _tap?: { buf: Buffer; pos: number } })._tap;
  if (tap && tap.buf.length > tap.pos) {
    throw new Error(`truncated Avro object container: ${tap.buf.length - tap.pos} bytes of an incomplete block at the end`);
  }
}

export async function decodeContainer(buffer: Buffer): Promise<BackupRecord[]> {
  const records: BackupRecord[] = [];
  for await (const record of readContainer(Readable.from([buffer]))) records.push(record);
  return records;
}
