import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { EncryptionKeys } from '../../../src/config/encryption-keys.js';
import { CHUNK_BYTES, createOpenStream, createSealStream, sealBuffer } from '../../../src/storage/encryption.js';

const current = { id: 'k2026', key: randomBytes(32) };
const keys: EncryptionKeys = { current, byId: new Map([[current.id, current.key]]) };
const TAG = 16;

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Feeds `bytes` in pieces of `piece` bytes, so chunk boundaries fall anywhere in a write. */
function pieces(bytes: Buffer, piece: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += piece) parts.push(bytes.subarray(i, i + piece));
  return Readable.from(parts.length === 0 ? [] : parts);
}

const sealStreamed = (plain: Buffer, piece = 10_000) => collect(pieces(plain, piece).pipe(createSealStream(current)));
const open = (sealed: Buffer, with_: EncryptionKeys = keys, mode: 'sealed' | 'ifSealed' = 'sealed') =>
  collect(pieces(sealed, 7_777).pipe(createOpenStream(with_, 'events/x.avro', mode)));
const headerLength = 4 + 2 + current.id.length + 7;

describe('client-side encryption framing (AES-256-GCM, STREAM construction)', () => {
  it('round-trips any length, streamed or whole, and the sealed bytes hold no plaintext', async () => {
    const marker = Buffer.from('known-plaintext-marker-'.repeat(40));
    for (const length of [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 3 * CHUNK_BYTES, 200_000]) {
      const plain = Buffer.concat([marker, randomBytes(length)]).subarray(0, Math.max(length, Math.min(length, marker.length)));
      const streamed = await sealStreamed(plain);
      const whole = sealBuffer(current, plain);
      const chunks = Math.floor(plain.length / CHUNK_BYTES) + (plain.length % CHUNK_BYTES === 0 && plain.length > 0 ? 0 : 1);
      expect(streamed.length).toBe(headerLength + plain.length + TAG * Math.max(chunks, 1));
      expect(whole.length).toBe(streamed.length);
      expect((await open(streamed)).equals(plain)).toBe(true);
      expect((await open(whole)).equals(plain)).toBe(true);
      if (plain.length >= 32) expect(streamed.includes(plain.subarray(0, 32))).toBe(false);
    }
    const text = Buffer.from('known-plaintext-marker-'.repeat(10_000));
    expect((await sealStreamed(text)).includes(Buffer.from('known-plaintext-marker-'))).toBe(false);
  });

  it('two seals of the same bytes differ (random nonce prefix per object)', async () => {
    const plain = Buffer.from('same content');
    expect(sealBuffer(current, plain).equals(sealBuffer(current, plain))).toBe(false);
  });

  it('detects a truncation at a chunk boundary, a cut inside a chunk and a dropped header byte', async () => {
    const plain = randomBytes(3 * CHUNK_BYTES + 100);
    const sealed = sealBuffer(current, plain);
    const atBoundary = sealed.subarray(0, headerLength + 2 * (CHUNK_BYTES + TAG));
    await expect(open(atBoundary)).rejects.toThrow(/key id "k2026"\): chunk 1 \(the last one\) fails authentication/);
    await expect(open(sealed.subarray(0, sealed.length - 5))).rejects.toThrow(/fails authentication/);
    await expect(open(sealed.subarray(0, headerLength))).rejects.toThrow(/truncated: chunk 0 has 0 bytes/);
    await expect(open(sealed.subarray(0, 8))).rejects.toThrow(/truncated inside its encryption header/);
  });

  it('detects reordered chunks and a flipped byte', async () => {
    const plain = randomBytes(3 * CHUNK_BYTES + 100);
    const sealed = sealBuffer(current, plain);
    const chunk = (i: number) => sealed.subarray(headerLength + i * (CHUNK_BYTES + TAG), headerLength + (i + 1) * (CHUNK_BYTES + TAG));
    const swapped = Buffer.concat([sealed.subarray(0, headerLength), chunk(1), chunk(0), sealed.subarray(headerLength + 2 * (CHUNK_BYTES + TAG))]);
    expect(swapped.length).toBe(sealed.length);
    await expect(open(swapped)).rejects.toThrow(/chunk 0 fails authentication/);
    const flipped = Buffer.from(sealed);
    flipped[headerLength + CHUNK_BYTES + TAG + 10]! ^= 0x01;
    await expect(open(flipped)).rejects.toMatchObject({ code: 'ENCRYPTED_OBJECT_DAMAGED', message: expect.stringMatching(/chunk 1 fails authentication/) });
    const otherKeyId = Buffer.from(sealed);
    otherKeyId[6] = 'j'.charCodeAt(0); // "j2026": the header is authenticated too
    await expect(open(otherKeyId, { current: undefined, byId: new Map([['j2026', current.key]]) })).rejects.toThrow(/key id "j2026"\): chunk 0 fails/);
  });

  it('names the key id, never the key, when the key is unknown or wrong', async () => {
    const sealed = sealBuffer(current, Buffer.from('secret records'));
    const none: EncryptionKeys = { current: undefined, byId: new Map() };
    const error = await open(sealed, none).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'ENCRYPTION_KEY_UNKNOWN', keyId: 'k2026' });
    expect((error as Error).message).toContain('key id "k2026"');
    const wrongKey = randomBytes(32);
    const wrong = await open(sealed, { current: undefined, byId: new Map([['k2026', wrongKey]]) }).catch((e: Error) => e);
    expect((wrong as Error).message).toMatch(/key id "k2026"\): chunk 0 \(the last one\) fails authentication/);
    for (const e of [error, wrong] as Error[]) {
      expect(e.message).not.toContain(current.key.toString('hex'));
      expect(e.message).not.toContain(wrongKey.toString('hex'));
      expect(e.message).not.toContain(current.key.toString('base64'));
    }
  });

  it('passes plain objects through in ifSealed mode and refuses them in sealed mode', async () => {
    const avro = Buffer.concat([Buffer.from('Obj\u0001'), randomBytes(1000)]);
    expect((await open(avro, keys, 'ifSealed')).equals(avro)).toBe(true);
    expect((await open(Buffer.alloc(0), keys, 'ifSealed')).length).toBe(0);
    expect((await open(Buffer.from('SV'), keys, 'ifSealed')).toString()).toBe('SV');
    await expect(open(avro, keys, 'sealed')).rejects.toThrow(/is not encrypted/);
  });
});
