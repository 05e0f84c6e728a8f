import { createRequire } from 'node:module';
import { decompress as zstdDecompress } from 'fzstd';
import kafkajs from 'kafkajs';
import type * as Lz4 from 'lz4-napi';
import { StreamvaultError } from '../errors/streamvault-error.js';

// kafkajs is CommonJS and its codec table is not a named export Node can see from ESM.
const { CompressionCodecs, CompressionTypes } = kafkajs;
const require = createRequire(import.meta.url);

/**
 * Each codec's library is loaded at its first record batch, not with the client: most topics use
 * one codec or none, and lz4-napi's native module alone is about 10 MB of every process's memory.
 */
function lazily<T>(load: () => T): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load());
}
/** kafkajs-snappy (pure JS, snappyjs): raw snappy and the xerial framing Java producers write. */
const snappyCodec = lazily(() => (require('kafkajs-snappy') as () => KafkajsCodec)());
const lz4 = lazily(() => require('lz4-napi') as typeof Lz4);

/** kafkajs's codec shape: `compress` gets its Encoder (bytes in `.buffer`), `decompress` a Buffer. */
interface KafkajsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/**
 * A record batch that its codec could not decompress. Not retriable: the same bytes fail the same
 * way at every fetch, so the pair stops with this error instead of refetching for ever.
 */
export class CompressionCodecError extends StreamvaultError {
  constructor(readonly codec: string, cause: unknown) {
    super(`could not decompress a ${codec} record batch: ${cause instanceof Error ? cause.message : String(cause)}`, { code: 'COMPRESSION_CODEC', cause });
    this.name = 'CompressionCodecError';
  }
}

const codecs: Record<'snappy' | 'lz4' | 'zstd', () => KafkajsCodec> = {
  snappy: snappyCodec,
  // Kafka's LZ4 is the LZ4 frame format (lz4-napi: lz4_flex, prebuilt N-API binaries in the package).
  lz4: () => ({
    compress: async (encoder) => lz4().compressFrame(encoder.buffer),
    decompress: async (buffer) => lz4().decompressFrame(buffer),
  }),
  // fzstd is pure JS and decompresses only: the backup reads zstd topics, streamvault never writes them.
  zstd: () => ({
    compress: async () => {
      throw new Error('zstd compression is not available in streamvault (it only decompresses zstd); produce uncompressed or with gzip, snappy or lz4');
    },
    decompress: async (buffer) => Buffer.from(zstdDecompress(buffer)),
  }),
};

/** Failures come out as CompressionCodecError naming the codec. */
function guarded(name: string, make: () => KafkajsCodec): () => KafkajsCodec {
  return () => {
    const codec = make();
    return {
      compress: (encoder) => codec.compress(encoder),
      decompress: async (buffer) => {
        try {
          return await codec.decompress(buffer);
        } catch (error) {
          throw new CompressionCodecError(name, error);
        }
      },
    };
  };
}

/**
 * kafkajs ships gzip only and keeps its codecs in one module-level table; registering the same
 * functions again is harmless, so every client factory calls this.
 */
export function registerCompressionCodecs(): void {
  const table = CompressionCodecs as Record<number, () => KafkajsCodec>;
  table[CompressionTypes.Snappy] = guarded('snappy', codecs.snappy);
  table[CompressionTypes.LZ4] = guarded('lz4', codecs.lz4);
  table[CompressionTypes.ZSTD] = guarded('zstd', codecs.zstd);
}

/** Whether `error` or one of its causes is a codec failure (the pair cannot read its topic). */
export function findCompressionCodecError(error: unknown): CompressionCodecError | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth += 1) {
    if (e instanceof CompressionCodecError) return e;
    if (e.name === 'KafkaJSNotImplemented' && /compression/i.test(e.message)) return new CompressionCodecError('unregistered', e);
  }
  return undefined;
}
