import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { Decompress, decompress as fzstdDecompress } from 'fzstd';

/**
 * Zstandard for event objects and streams. Compression needs the runtime's zstd (node:zlib, from
 * Node.js 22.15 and 23.8, marked experimental in the docs, no warning printed); Node.js 20 has none,
 * so choosing zstd there is a configuration error (config/variables/compression.ts).
 * Decompression works everywhere: the runtime's zstd where present, else fzstd (pure JS), so a
 * backup written by a Node.js 24 daemon restores, verifies and drills on Node.js 20 too.
 */
type Callback = (error: Error | null, result: Buffer) => void;
interface RuntimeZstd {
  createZstdCompress(options?: zlib.ZlibOptions): Transform;
  createZstdDecompress(): Transform;
  zstdCompress(buffer: Buffer, callback: Callback): void;
  zstdDecompress(buffer: Buffer, callback: Callback): void;
}

function runtimeZstd(): RuntimeZstd | undefined {
  const z = zlib as unknown as Partial<RuntimeZstd>;
  return typeof z.createZstdCompress === 'function' &&
    typeof z.createZstdDecompress === 'function' &&
    typeof z.zstdCompress === 'function' &&
    typeof z.zstdDecompress === 'function'
    ? (z as RuntimeZstd)
    : undefined;
}

/** Whether this runtime can write zstd. */
export function zstdCompressionAvailable(): boolean {
  return runtimeZstd() !== undefined;
}

/** For the configuration error: what is missing, on which runtime. */
export function zstdUnavailableReason(): string {
  return `zstd compression needs Node.js 22.15 or later (node:zlib zstd); this is Node.js ${process.version}`;
}

export class ZstdUnavailableError extends Error {
  readonly code = 'ZSTD_UNAVAILABLE';
  constructor() {
    super(zstdUnavailableReason());
    this.name = 'ZstdUnavailableError';
  }
}

function requireRuntime(): RuntimeZstd {
  const z = runtimeZstd();
  if (!z) throw new ZstdUnavailableError();
  return z;
}

export function zstdCompressBuffer(buffer: Buffer, callback: Callback): void {
  let z: RuntimeZstd;
  try {
    z = requireRuntime();
  } catch (error) {
    callback(error as Error, Buffer.alloc(0));
    return;
  }
  z.zstdCompress(buffer, callback);
}

export function zstdDecompressBuffer(buffer: Buffer, callback: Callback): void {
  const z = runtimeZstd();
  if (z) {
    z.zstdDecompress(buffer, callback);
    return;
  }
  let out: Buffer;
  try {
    out = Buffer.from(fzstdDecompress(buffer));
  } catch (error) {
    callback(error as Error, Buffer.alloc(0));
    return;
  }
  callback(null, out);
}

export function createZstdCompressStream(): Transform {
  return requireRuntime().createZstdCompress();
}

export function createZstdDecompressStream(): Transform {
  return runtimeZstd()?.createZstdDecompress() ?? new FzstdDecompressStream();
}

/** fzstd's streaming decompressor as a Transform (Node.js 20; exported for its test). */
export class FzstdDecompressStream extends Transform {
  readonly #decompressor: Decompress;
  #ended = false;

  constructor() {
    super();
    this.#decompressor = new Decompress((data, final) => {
      // Copied: fzstd may reuse its window buffer for the next chunk.
      if (data.length > 0) this.push(Buffer.from(data));
      if (final) this.#ended = true;
    });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#decompressor.push(chunk);
    } catch (error) {
      callback(error as Error);
      return;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.#decompressor.push(new Uint8Array(0), true);
    } catch (error) {
      callback(error as Error);
      return;
    }
    callback(this.#ended ? null : new Error('truncated zstd data: the input ended inside a frame'));
  }
}
