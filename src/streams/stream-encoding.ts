import { pipeline, type Readable, type Transform } from 'node:stream';
import zlib from 'node:zlib';
import { createZstdCompressStream, createZstdDecompressStream } from '../compression/zstd.js';
import { ObjectNotFoundError, type ObjectStore } from '../storage/object-store.js';
import type { EncryptionKey } from '../config/encryption-keys.js';
import { ENCRYPTION_ENCODING_STEP } from '../storage/decrypting-object-store.js';
import { createSealStream } from '../storage/encryption.js';
import { StreamvaultError } from '../errors/streamvault-error.js';

/** STREAMVAULT_STREAM_COMPRESSION. */
export type StreamCompression = 'none' | 'gzip' | 'zstd';

/**
 * One transform of a stored blob's bytes. `aes256gcm` (client-side encryption, storage/encryption.ts)
 * is always last; the backup store (DecryptingObjectStore) undoes it and takes it off the metadata
 * before the steps here are undone.
 */
export type StreamEncodingStep = 'gzip' | 'zstd' | typeof ENCRYPTION_ENCODING_STEP;

/**
 * User metadata of a stream object naming the transforms applied to the stored bytes, in the
 * order they were applied, comma-separated (like HTTP Content-Encoding). Absent: the bytes are the
 * content itself (every object written before compression existed). The sha256 in the key and in
 * the `sha256` metadata always names the content, never the stored bytes. The object carries no
 * Content-Encoding header on purpose: HTTP clients would undo it silently and hand out bytes that
 * are not the object.
 */
export const ENCODING_METADATA = 'encoding';
/** User metadata: the content's size in bytes, when the source announced it before the upload. */
export const CONTENT_SIZE_METADATA = 'content-size';

const STEPS: readonly StreamEncodingStep[] = ['gzip', 'zstd'];

export function encodingSteps(compression: StreamCompression, encrypted = false): StreamEncodingStep[] {
  const steps: StreamEncodingStep[] = compression === 'none' ? [] : [compression];
  return encrypted ? [...steps, ENCRYPTION_ENCODING_STEP] : steps;
}

export function encodingMetadata(steps: readonly StreamEncodingStep[]): Record<string, string> {
  return steps.length === 0 ? {} : { [ENCODING_METADATA]: steps.join(',') };
}

export class StreamEncodingError extends StreamvaultError {
  constructor(readonly key: string, readonly encoding: string) {
    super(`stream object ${key}: expected its ${ENCODING_METADATA} metadata to list ${STEPS.join(' or ')}, got ${JSON.stringify(encoding)}`, { code: 'UNKNOWN_STREAM_ENCODING' });
    this.name = 'StreamEncodingError';
  }
}

/** The steps a stored object's metadata names; throws StreamEncodingError on one this version does not know. */
export function parseEncoding(key: string, metadata: Record<string, string>): StreamEncodingStep[] {
  const raw = metadata[ENCODING_METADATA];
  if (raw === undefined || raw.trim() === '' || raw.trim() === 'identity') return [];
  const steps = raw.split(',').map((s) => s.trim());
  for (const step of steps) if (!(STEPS as readonly string[]).includes(step)) throw new StreamEncodingError(key, raw);
  return steps as StreamEncodingStep[];
}

function encoder(step: StreamEncodingStep, key: EncryptionKey | undefined): Transform {
  if (step === ENCRYPTION_ENCODING_STEP) {
    if (!key) throw new Error(`encoding step ${step} needs the encryption key`);
    return createSealStream(key);
  }
  return step === 'gzip' ? zlib.createGzip() : createZstdCompressStream();
}

function decoder(step: Exclude<StreamEncodingStep, typeof ENCRYPTION_ENCODING_STEP>): Transform {
  return step === 'gzip' ? zlib.createGunzip() : createZstdDecompressStream();
}

/**
 * `input` with `steps` applied (upload) or undone in reverse order (read), as a stream: bytes flow
 * through, nothing is held whole. An error anywhere destroys the returned stream with it.
 */
export function encodeStream(input: Readable, steps: readonly StreamEncodingStep[], key?: EncryptionKey): Readable {
  return chain(input, steps.map((step) => encoder(step, key)));
}

/** Undoes compression steps; an encrypted object reaches here already decrypted (DecryptingObjectStore). */
export function decodeStream(input: Readable, steps: readonly StreamEncodingStep[]): Readable {
  return chain(input, [...steps].reverse().map((step) => decoder(step as Exclude<StreamEncodingStep, typeof ENCRYPTION_ENCODING_STEP>)));
}

function chain(input: Readable, transforms: Transform[]): Readable {
  const last = transforms.at(-1);
  if (!last) return input;
  pipeline([input, ...transforms], (error) => {
    if (error && !last.destroyed) last.destroy(error);
  });
  return last;
}

/**
 * Opens a stored blob by its key and returns its content (decoded per its metadata), whatever
 * encoding it was written with. Throws ObjectNotFoundError when absent, StreamEncodingError on an
 * encoding this version cannot undo.
 */
export async function openStoredStream(store: ObjectStore, key: string): Promise<Readable> {
  const { body, metadata } = await store.getStreamWithMetadata(key);
  let steps: StreamEncodingStep[];
  try {
    steps = parseEncoding(key, metadata);
  } catch (error) {
    body.destroy();
    throw error;
  }
  return decodeStream(body, steps);
}

/** `openStoredStream`, or `undefined` when the key does not exist. */
export async function openStoredStreamIfExists(store: ObjectStore, key: string): Promise<Readable | undefined> {
  try {
    return await openStoredStream(store, key);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
}
