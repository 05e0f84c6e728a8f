import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  createZstdCompressStream,
  createZstdDecompressStream,
  FzstdDecompressStream,
  zstdCompressionAvailable,
  ZstdUnavailableError,
} from '../../../src/compression/zstd.js';

const hasZstd = zstdCompressionAvailable();

/** Written once by Node.js 24's zlib.zstdCompressSync: 'streamvault zstd fixture. ' 200 times. */
const FRAME = Buffer.from('KLUv/WBQExUBANBzdHJlYW12YXVsdCB6c3RkIGZpeHR1cmUuIAEAzlD3cww=', 'base64');
const FRAME_CONTENT = Buffer.from('streamvault zstd fixture. '.repeat(200));

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('zstd', () => {
  it('decompresses a zstd frame streamed in pieces, on every runtime', async () => {
    const out = await collect(Readable.from([FRAME.subarray(0, 7), FRAME.subarray(7, 20), FRAME.subarray(20)]).pipe(createZstdDecompressStream()));
    expect(out).toEqual(FRAME_CONTENT);
  });

  it('fzstd (the reader on runtimes without zstd) decodes the same frame and rejects a cut one', async () => {
    expect(await collect(Readable.from([FRAME]).pipe(new FzstdDecompressStream()))).toEqual(FRAME_CONTENT);
    await expect(collect(Readable.from([FRAME.subarray(0, 30)]).pipe(new FzstdDecompressStream()))).rejects.toThrow();
  });

  it.skipIf(!hasZstd)('round-trips through the runtime compressor, and fzstd reads what it wrote', async () => {
    const content = Buffer.concat(Array.from({ length: 200 }, (_, i) => Buffer.from(`line ${i % 17} of a compressible blob\n`)));
    const compressed = await collect(Readable.from([content]).pipe(createZstdCompressStream()));
    expect(compressed.length).toBeLessThan(content.length / 4);
    expect(await collect(Readable.from([compressed]).pipe(new FzstdDecompressStream()))).toEqual(content);
    expect(await collect(Readable.from([compressed]).pipe(createZstdDecompressStream()))).toEqual(content);
  });

  it.skipIf(hasZstd)(`refuses to compress on a runtime without zstd (${process.version}), naming the version`, () => {
    expect(() => createZstdCompressStream()).toThrow(ZstdUnavailableError);
    expect(() => createZstdCompressStream()).toThrow(`this is Node.js ${process.version}`);
  });
});
