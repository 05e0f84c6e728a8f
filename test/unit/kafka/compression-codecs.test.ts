import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { CompressionCodecError, findCompressionCodecError, registerCompressionCodecs } from '../../../src/kafka/compression-codecs.js';

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

registerCompressionCodecs();
const codec = (type: number) => (kafkajs.CompressionCodecs as Record<number, () => Codec>)[type]!();
const { Snappy, LZ4, ZSTD } = kafkajs.CompressionTypes;
const payload = Buffer.from('a record batch body '.repeat(200));

describe('registerCompressionCodecs', () => {
  it('round-trips snappy and lz4, and compresses them for real', async () => {
    for (const [name, type] of [['snappy', Snappy], ['lz4', LZ4]] as const) {
      const compressed = await codec(type).compress({ buffer: payload });
      expect(compressed.length, name).toBeLessThan(payload.length);
      expect(await codec(type).decompress(compressed), name).toEqual(payload);
    }
  });

  it('refuses to write zstd, saying what to use instead', async () => {
    await expect(codec(ZSTD).compress({ buffer: payload })).rejects.toThrow(/zstd compression is not available in streamvault .* gzip, snappy or lz4/);
  });

  it('turns bytes a codec cannot decompress into a CompressionCodecError naming the codec, not retriable', async () => {
    for (const [name, type] of [['snappy', Snappy], ['lz4', LZ4], ['zstd', ZSTD]] as const) {
      const error = await codec(type).decompress(Buffer.from('not compressed at all')).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(CompressionCodecError);
      expect(error, name).toMatchObject({ codec: name, code: 'COMPRESSION_CODEC', retriable: false, name: 'CompressionCodecError' });
      expect((error as Error).message, name).toMatch(new RegExp(`^could not decompress a ${name} record batch: `));
      expect((error as Error).cause, name).toBeInstanceOf(Error);
    }
  });

  it('is harmless to call again', async () => {
    registerCompressionCodecs();
    expect(await codec(LZ4).decompress(await codec(LZ4).compress({ buffer: payload }))).toEqual(payload);
  });
});

describe('findCompressionCodecError', () => {
  it('finds a codec error through causes, and takes kafkajs\'s "not implemented" compression error as one', () => {
    const codecError = new CompressionCodecError('lz4', new Error('bad frame'));
    expect(findCompressionCodecError(new Error('fetch failed', { cause: new Error('batch', { cause: codecError }) }))).toBe(codecError);
    const missing = Object.assign(new Error('Snappy compression not implemented'), { name: 'KafkaJSNotImplemented' });
    expect(findCompressionCodecError(new Error('consumer crashed', { cause: missing }))).toMatchObject({ codec: 'unregistered', cause: missing });
  });

  it('finds nothing in other errors, non-errors, or another "not implemented"', () => {
    expect(findCompressionCodecError(new Error('boom'))).toBeUndefined();
    expect(findCompressionCodecError('lz4')).toBeUndefined();
    expect(findCompressionCodecError(Object.assign(new Error('Feature not implemented'), { name: 'KafkaJSNotImplemented' }))).toBeUndefined();
  });
});
