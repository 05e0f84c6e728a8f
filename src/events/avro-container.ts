import avro from 'avsc';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { backupRecordType, fromAvroRecord, toAvroRecord, type BackupRecord } from './backup-record.js';

export type AvroCodec = 'null' | 'deflate';

/** Avro's `deflate` codec is raw deflate (RFC 1951) without zlib framing. */
const codecs = {
  deflate: (buf: Buffer, cb: (err: Error | null, out?: Buffer) => void) => zlib.deflateRaw(buf, cb),
  null: (buf: Buffer, cb: (err: Error | null, out?: Buffer) => void) => cb(null, buf),
};
const decoders = {
  deflate: (buf: Buffer, cb: (err: Error | null, out?: Buffer) => void) => zlib.inflateRaw(buf, cb),
  null: (buf: Buffer, cb: (err: Error | null, out?: Buffer) => void) => cb(null, buf),
};

/**
 * Encodes records as an Avro object container file. The sync marker is derived from `seed` (the
 * object key) so that rewriting the same batch after a crash produces the same bytes.
 */
export async function encodeContainer(
  records: readonly BackupRecord[],
  options: { codec: AvroCodec; seed: string; metadata?: Record<string, string> },
): Promise<Buffer> {
  const metadata: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(options.metadata ?? {})) metadata[k] = Buffer.from(v);
  const encoder = new avro.streams.BlockEncoder(backupRecordType, {
    codec: options.codec,
    codecs,
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
  return Buffer.concat(chunks);
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
