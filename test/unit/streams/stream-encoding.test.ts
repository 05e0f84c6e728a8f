import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { zstdCompressionAvailable } from '../../../src/compression/zstd.js';
import {
  decodeStream,
  encodeStream,
  encodingMetadata,
  encodingSteps,
  openStoredStreamIfExists,
  parseEncoding,
  StreamEncodingError,
} from '../../../src/streams/stream-encoding.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

async function read(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const content = Buffer.from('a line of a stream blob\n'.repeat(500));

describe('encoding steps and metadata', () => {
  it('names the compression, then encryption last; no steps, no metadata', () => {
    expect(encodingSteps('none')).toEqual([]);
    expect(encodingSteps('gzip')).toEqual(['gzip']);
    expect(encodingSteps('zstd', true)).toEqual(['zstd', 'aes256gcm']);
    expect(encodingSteps('none', true)).toEqual(['aes256gcm']);
    expect(encodingMetadata([])).toEqual({});
    expect(encodingMetadata(['gzip', 'aes256gcm'])).toEqual({ encoding: 'gzip,aes256gcm' });
  });

  it('reads no encoding, an empty one or identity as the content itself', () => {
    expect(parseEncoding('k', {})).toEqual([]);
    expect(parseEncoding('k', { encoding: ' ' })).toEqual([]);
    expect(parseEncoding('k', { encoding: 'identity' })).toEqual([]);
    expect(parseEncoding('k', { encoding: 'gzip, zstd' })).toEqual(['gzip', 'zstd']);
  });

  it('refuses an encoding it cannot undo, naming the key, what it knows and what it got', () => {
    const error = (() => {
      try {
        parseEncoding('streams/ab/x', { encoding: 'gzip,br' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(StreamEncodingError);
    expect(error).toMatchObject({ code: 'UNKNOWN_STREAM_ENCODING', message: 'stream object streams/ab/x: expected its encoding metadata to list gzip or zstd, got "gzip,br"' });
  });
});

describe('encodeStream and decodeStream', () => {
  const compressions = zstdCompressionAvailable() ? (['gzip', 'zstd'] as const) : (['gzip'] as const);

  it.each(compressions)('%s: decoding what was encoded gives the content back, and the stored bytes differ from it', async (step) => {
    const stored = await read(encodeStream(Readable.from([content]), [step]));
    expect(stored.equals(content)).toBe(false);
    expect(stored.length).toBeLessThan(content.length);
    expect((await read(decodeStream(Readable.from([stored]), [step]))).equals(content)).toBe(true);
  });

  it.runIf(zstdCompressionAvailable())('undoes steps in reverse order', async () => {
    const stored = await read(encodeStream(Readable.from([content]), ['gzip', 'zstd']));
    expect((await read(decodeStream(Readable.from([stored]), ['gzip', 'zstd']))).equals(content)).toBe(true);
  });

  it('without steps hands the input through as it is', () => {
    const input = Readable.from([content]);
    expect(decodeStream(input, [])).toBe(input);
    expect(encodeStream(input, [])).toBe(input);
  });

  it('refuses to encrypt without a key', () => {
    expect(() => encodeStream(Readable.from([content]), ['aes256gcm'])).toThrow('encoding step aes256gcm needs the encryption key');
  });

  it('fails the decoded stream when the stored bytes are damaged', async () => {
    const stored = gzipSync(content);
    await expect(read(decodeStream(Readable.from([stored.subarray(0, stored.length - 10)]), ['gzip']))).rejects.toThrow();
  });
});

describe('openStoredStreamIfExists', () => {
  it('decodes a stored object by its metadata, and is undefined for a missing one', async () => {
    const store = new MemoryObjectStore();
    await store.put('k', gzipSync(content), { metadata: { encoding: 'gzip' } });
    expect((await read((await openStoredStreamIfExists(store, 'k'))!)).equals(content)).toBe(true);
    expect(await openStoredStreamIfExists(store, 'missing')).toBeUndefined();
    await store.put('odd', content, { metadata: { encoding: 'br' } });
    await expect(openStoredStreamIfExists(store, 'odd')).rejects.toBeInstanceOf(StreamEncodingError);
  });
});
