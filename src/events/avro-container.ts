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
 * Avro's `deflate` codec is raw deflate (RFC 1951) without zlib framing; `zstandard` is one zstd
 * frame per block. Writing zstd needs the runtime's (compression/zstd.ts); reading works everywhere.
 */
const codecs: Record<AvroCodec, BlockCodec> = {
  deflate: (buf, cb) => zlib.deflateRaw(buf, cb),
  null: (buf, cb) => cb(null, buf),
  zstandard: (buf, cb) => zstdCompressBuffer(buf, cb),
};
const decoders: Record<AvroCodec, BlockCodec> = {
  deflate: (buf, cb) => zlib.inflateRaw(buf, cb),
  null: (buf, cb) => cb(null, buf),
  zstandard: (buf, cb) => zstdDecompressBuffer(buf, cb),
};

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
