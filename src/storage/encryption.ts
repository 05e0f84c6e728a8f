import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { EncryptionKey, EncryptionKeys } from '../config/encryption-keys.js';
import { StreamvaultError } from '../errors/streamvault-error.js';

/**
 * Client-side encryption of stored objects: AES-256-GCM (node:crypto) in the STREAM construction
 * (as age does), so an object of any size is sealed and opened chunk by chunk.
 *
 *   header  = "SVAE" | version (1 byte, 1) | key id length (1 byte) | key id (ASCII) | nonce prefix (7 random bytes)
 *   chunks  = ciphertext of 64 KiB of plaintext | 16-byte tag, ..., last chunk (0..64 KiB) | tag
 *   nonce   = nonce prefix (7) | chunk counter (uint32 BE) | last flag (1 byte: 1 on the last chunk, else 0)
 *
 * Every chunk authenticates the whole header as additional data, so the key id and version cannot be
 * swapped; the counter in the nonce rejects reordered or dropped chunks, the last flag a truncation
 * at a chunk boundary. Every chunk but the last holds exactly CHUNK_BYTES of plaintext.
 */
export const ENCRYPTION_MAGIC = Buffer.from('SVAE', 'ascii');
export const ENCRYPTION_VERSION = 1;
export const CHUNK_BYTES = 64 * 1024;
const TAG_BYTES = 16;
const PREFIX_BYTES = 7;
/** S3 user metadata naming the key an object is sealed with (the header says it too). */
export const ENCRYPTION_KEY_ID_METADATA = 'encryption-key-id';

export class EncryptionKeyUnknownError extends StreamvaultError {
  constructor(readonly objectKey: string, readonly keyId: string) {
    super(
      `object ${objectKey} is encrypted with key id ${JSON.stringify(keyId)}: expected that key configured ` +
        '(STREAMVAULT_ENCRYPTION_KEY or _KEY_FILE with STREAMVAULT_ENCRYPTION_KEY_ID, or a line of STREAMVAULT_ENCRYPTION_OLD_KEYS_FILE), got none with that id',
      { code: 'ENCRYPTION_KEY_UNKNOWN' },
    );
    this.name = 'EncryptionKeyUnknownError';
  }
}

export class EncryptedObjectDamagedError extends StreamvaultError {
  constructor(readonly objectKey: string, readonly keyId: string | undefined, detail: string) {
    super(`object ${objectKey}${keyId === undefined ? '' : ` (key id ${JSON.stringify(keyId)})`}: ${detail}`, { code: 'ENCRYPTED_OBJECT_DAMAGED' });
    this.name = 'EncryptedObjectDamagedError';
  }
}

function header(keyId: string, prefix: Buffer): Buffer {
  const id = Buffer.from(keyId, 'ascii');
  return Buffer.concat([ENCRYPTION_MAGIC, Buffer.from([ENCRYPTION_VERSION, id.length]), id, prefix]);
}

function nonce(prefix: Buffer, counter: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(counter, PREFIX_BYTES);
  n[11] = last ? 1 : 0;
  return n;
}

function sealChunk(key: Buffer, head: Buffer, prefix: Buffer, counter: number, last: boolean, plain: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, nonce(prefix, counter, last));
  cipher.setAAD(head);
  return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

/** A stream of `key`'s sealed form of what is written to it; one chunk in memory at a time. */
export function createSealStream(key: EncryptionKey): Transform {
  const prefix = randomBytes(PREFIX_BYTES);
  const head = header(key.id, prefix);
  let pending: Buffer = Buffer.alloc(0);
  let counter = 0;
  return new Transform({
    construct(done) {
      this.push(head);
      done();
    },
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      // A chunk is known not to be the last only once a byte after it arrived.
      let offset = 0;
      while (pending.length - offset > CHUNK_BYTES) {
        this.push(sealChunk(key.key, head, prefix, counter++, false, pending.subarray(offset, offset + CHUNK_BYTES)));
        offset += CHUNK_BYTES;
      }
      pending = offset === 0 ? pending : Buffer.from(pending.subarray(offset));
      done();
    },
    flush(done: TransformCallback) {
      this.push(sealChunk(key.key, head, prefix, counter++, true, pending));
      pending = Buffer.alloc(0);
      done();
    },
  });
}

/** `plain` sealed whole (events objects: one batch, already in memory). */
export function sealBuffer(key: EncryptionKey, plain: Buffer): Buffer {
  const prefix = randomBytes(PREFIX_BYTES);
  const head = header(key.id, prefix);
  const parts = [head];
  let counter = 0;
  let offset = 0;
  while (plain.length - offset > CHUNK_BYTES) {
    parts.push(sealChunk(key.key, head, prefix, counter++, false, plain.subarray(offset, offset + CHUNK_BYTES)));
    offset += CHUNK_BYTES;
  }
  parts.push(sealChunk(key.key, head, prefix, counter, true, plain.subarray(offset)));
  return Buffer.concat(parts);
}

/**
 * A stream of the plaintext of a sealed object. `ifSealed`: bytes not starting with the magic pass
 * through unchanged (objects written before encryption, or with it off). Errors name the object
 * and the key id, never the key: EncryptionKeyUnknownError, EncryptedObjectDamagedError (a chunk
 * failed authentication: tampered, truncated, reordered, or another key under that id).
 */
export function createOpenStream(keys: EncryptionKeys, objectKey: string, mode: 'sealed' | 'ifSealed'): Transform {
  let pending: Buffer = Buffer.alloc(0);
  let state: 'header' | 'chunks' | 'plain' = 'header';
  let head: Buffer = Buffer.alloc(0);
  let prefix: Buffer = Buffer.alloc(0);
  let keyId: string | undefined;
  let key: Buffer = Buffer.alloc(0);
  let counter = 0;
  const damaged = (detail: string) => new EncryptedObjectDamagedError(objectKey, keyId, detail);
  const open = (sealed: Buffer, last: boolean): Buffer => {
    if (sealed.length < TAG_BYTES) throw damaged(`truncated: chunk ${counter} has ${sealed.length} bytes, expected at least ${TAG_BYTES}`);
    const decipher = createDecipheriv('aes-256-gcm', key, nonce(prefix, counter, last));
    decipher.setAAD(head);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
      const plain = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
      counter += 1;
      return plain;
    } catch {
      throw damaged(
        `chunk ${counter}${last ? ' (the last one)' : ''} fails authentication: expected it sealed by key id ${JSON.stringify(keyId)} in this place, ` +
          'got bytes that were changed, truncated or reordered, or a different key configured under that id',
      );
    }
  };
  /** Parses the header once enough bytes arrived; false while more are needed. */
  const readHeader = (atEnd: boolean): boolean => {
    const magicSeen = pending.subarray(0, ENCRYPTION_MAGIC.length);
    if (!ENCRYPTION_MAGIC.subarray(0, magicSeen.length).equals(magicSeen) || (atEnd && pending.length < ENCRYPTION_MAGIC.length)) {
      if (mode === 'ifSealed') {
        state = 'plain';
        return true;
      }
      throw damaged('is not encrypted: expected it to start with the encryption header "SVAE"');
    }
    if (pending.length < ENCRYPTION_MAGIC.length + 2) {
      if (atEnd) throw damaged('truncated inside its encryption header');
      return false;
    }
    const version = pending[4]!;
    if (version !== ENCRYPTION_VERSION) throw damaged(`expected encryption format version ${ENCRYPTION_VERSION}, got ${version}`);
    const idLength = pending[5]!;
    const headLength = 6 + idLength + PREFIX_BYTES;
    if (pending.length < headLength) {
      if (atEnd) throw damaged('truncated inside its encryption header');
      return false;
    }
    head = Buffer.from(pending.subarray(0, headLength));
    keyId = head.subarray(6, 6 + idLength).toString('ascii');
    prefix = head.subarray(6 + idLength);
    const found = keys.byId.get(keyId);
    if (!found) throw new EncryptionKeyUnknownError(objectKey, keyId);
    key = found;
    pending = pending.subarray(headLength);
    state = 'chunks';
    return true;
  };
  const sealedChunk = CHUNK_BYTES + TAG_BYTES;
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      try {
        if (state === 'plain') return done(null, chunk);
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        if (state === 'header' && !readHeader(false)) return done();
        if ((state as string) === 'plain') {
          const all = pending;
          pending = Buffer.alloc(0);
          return done(null, all);
        }
        let offset = 0;
        while (pending.length - offset > sealedChunk) {
          this.push(open(pending.subarray(offset, offset + sealedChunk), false));
          offset += sealedChunk;
        }
        pending = offset === 0 ? pending : Buffer.from(pending.subarray(offset));
        done();
      } catch (error) {
        done(error as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        if (state === 'header') readHeader(true);
        if ((state as string) === 'plain') return done(null, pending.length > 0 ? pending : undefined);
        if (counter === 0 && pending.length === 0 && head.length === 0) throw damaged('truncated');
        done(null, open(pending, true));
      } catch (error) {
        done(error as Error);
      }
    },
  });
}
