import avro from 'avsc';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { zstdCompressionAvailable, ZstdUnavailableError } from '../../../src/compression/zstd.js';
import { avroCodecName, decodeContainer, encodeContainer, encodeContainerMeasured, EVENTS_BLOCK_BYTES } from '../../../src/events/avro-container.js';
import { readContainerIndependently } from '../../reliability/kit/independent-backup-reader.js';
import type { BackupRecord } from '../../../src/events/backup-record.js';

const records: BackupRecord[] = [
  {
    topic: 'samples.sourced',
    partition: 1,
    offset: '5',
    timestamp: 1_700_000_000_123n,
    key: null,
    value: Buffer.alloc(0),
    headers: [
      { key: 'a', value: null },
      { key: 'b', value: Buffer.from('x') },
      { key: 'a', value: Buffer.alloc(0) },
    ],
  },
  {
    topic: 'samples.sourced',
    partition: 1,
    offset: '9007199254740993',
    timestamp: 1n,
    key: Buffer.from([0, 255, 1]),
    value: null,
    headers: [],
  },
];

describe('avro container', () => {
  it('writes the codec under the Avro specification\'s names', () => {
    expect([avroCodecName('zstd'), avroCodecName('deflate'), avroCodecName('null')]).toEqual(['zstandard', 'deflate', 'null']);
  });

  for (const codec of ['null', 'deflate'] as const) {
    it(`round-trips records exactly with the ${codec} codec`, async () => {
      const bytes = await encodeContainer(records, { codec, seed: 'key-1' });
      expect(bytes.subarray(0, 4)).toEqual(Buffer.from('Obj\x01', 'latin1'));
      const decoded = await decodeContainer(bytes);
      expect(decoded).toEqual(records);
      // null and empty stay distinct
      expect(decoded[0]?.key).toBeNull();
      expect(decoded[0]?.value).toEqual(Buffer.alloc(0));
      expect(decoded[1]?.value).toBeNull();
      expect(decoded[0]?.headers[0]?.value).toBeNull();
      expect(decoded[0]?.headers[2]?.value).toEqual(Buffer.alloc(0));
    });
  }

  it('writes identical bytes for the same batch and seed, so a replay rewrites the same object', async () => {
    const a = await encodeContainer(records, { codec: 'deflate', seed: 'k' });
    const b = await encodeContainer(records, { codec: 'deflate', seed: 'k' });
    const c = await encodeContainer(records, { codec: 'deflate', seed: 'other' });
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  });

  it('writes a batch of 1,000 2 KB events in a few codec blocks, and a record larger than a block in one of its own', async () => {
    const event = (offset: number, value: Buffer): BackupRecord => ({ topic: 't', partition: 0, offset: String(offset), timestamp: BigInt(offset), key: null, value, headers: [] });
    const batch = Array.from({ length: 1000 }, (_, i) => event(i, Buffer.alloc(2000, i % 251)));
    const seed = 'events/t/0/0';
    const sync = createHash('sha256').update(seed).digest().subarray(0, 16);
    const blocksIn = (container: Buffer) => {
      let markers = 0;
      for (let at = container.indexOf(sync); at !== -1; at = container.indexOf(sync, at + sync.length)) markers++;
      return markers - 1; // the header ends with the marker too
    };
    const body = await encodeContainer(batch, { codec: 'deflate', seed });
    expect(blocksIn(body)).toBe(Math.ceil((1000 * 2000) / EVENTS_BLOCK_BYTES));
    const digest = (values: ReadonlyArray<Buffer | null>) => values.map((v) => (v ? createHash('sha256').update(v).digest('hex') : null));
    expect(digest((await readContainerIndependently(body)).map((r) => r.value))).toEqual(digest(batch.map((r) => r.value)));

    const large = [event(0, Buffer.alloc(10)), event(1, Buffer.alloc(EVENTS_BLOCK_BYTES + 1, 7)), event(2, Buffer.alloc(10))];
    const withLarge = await encodeContainer(large, { codec: 'deflate', seed });
    expect(blocksIn(withLarge)).toBe(2); // the first small record alone, then the large one with the last
    expect(digest((await decodeContainer(withLarge)).map((r) => r.value))).toEqual(digest(large.map((r) => r.value)));
  });

  it('rejects a truncated container', async () => {
    const bytes = await encodeContainer(records, { codec: 'deflate', seed: 'k' });
    await expect(decodeContainer(bytes.subarray(0, bytes.length - 20))).rejects.toThrow();
  });

  it('rejects bytes that are not a container', async () => {
    await expect(decodeContainer(Buffer.from('not avro at all'))).rejects.toThrow();
  });
});

/** An Avro container (codec zstandard) of three records written by this code on Node.js 24. */
const ZSTANDARD_CONTAINER = Buffer.from(
  'T2JqAQQWYXZyby5zY2hlbWGkB3sibmFtZSI6InN0cmVhbXZhdWx0LnYxLkthZmthUmVjb3JkIiwidHlwZSI6InJlY29yZCIsImZpZWxkcyI6W3sibmFtZSI6InRvcGljIiwidHlwZSI6InN0cmluZyJ9LHsibmFtZSI6InBhcnRpdGlvbiIsInR5cGUiOiJpbnQifSx7Im5hbWUiOiJvZmZzZXQiLCJ0eXBlIjoibG9uZyJ9LHsibmFtZSI6InRpbWVzdGFtcCIsInR5cGUiOiJsb25nIn0seyJuYW1lIjoia2V5IiwidHlwZSI6WyJudWxsIiwiYnl0ZXMiXX0seyJuYW1lIjoidmFsdWUiLCJ0eXBlIjpbIm51bGwiLCJieXRlcyJdfSx7Im5hbWUiOiJoZWFkZXJzIiwidHlwZSI6eyJ0eXBlIjoiYXJyYXkiLCJpdGVtcyI6eyJuYW1lIjoic3RyZWFtdmF1bHQudjEuS2Fma2FIZWFkZXIiLCJ0eXBlIjoicmVjb3JkIiwiZmllbGRzIjpbeyJuYW1lIjoia2V5IiwidHlwZSI6InN0cmluZyJ9LHsibmFtZSI6InZhbHVlIiwidHlwZSI6WyJudWxsIiwiYnl0ZXMiXX1dfX19XX0UYXZyby5jb2RlYxJ6c3RhbmRhcmQA8W0F7GspJI0sYa2x6SY/eAaSASi1L/0AWAUCANQCAnQAFICgq/75YgIEazAC8gF2YWx1ZSAwAgJoAAACdAAWgjExGIQyMgICaAAABgAYJAEegpdhSEJiXv8lLU3xbQXsaykkjSxhrbHpJj94',
  'base64',
);

/** The codec name a container's header declares (`avro.codec`), read with avsc itself. */
function headerCodec(container: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    // Only the header is wanted: any codec passes its bytes through.
    const decoder = new avro.streams.BlockDecoder({ codecs: { zstandard: (b: Buffer, cb: (e: Error | null, out: Buffer) => void) => cb(null, b) } } as never);
    decoder.on('metadata', (_type: unknown, codec: string) => {
      resolve(codec);
      decoder.destroy();
    });
    decoder.on('error', reject);
    decoder.end(container);
  });
}

describe('avro container with zstd', () => {
  it('reads a zstandard container written on Node.js 24 on every runtime (fzstd where zlib has no zstd)', async () => {
    expect(await headerCodec(ZSTANDARD_CONTAINER)).toBe('zstandard');
    const decoded = await decodeContainer(ZSTANDARD_CONTAINER);
    expect(decoded.map((r) => r.offset)).toEqual(['10', '11', '12']);
    expect(decoded[2]?.value?.toString()).toBe(`${'value '.repeat(20)}2`);
  });

  it.skipIf(!zstdCompressionAvailable())('writes the Avro codec `zstandard`: this reader, the independent reader and a smaller file than null', async () => {
    const many = Array.from({ length: 300 }, (_, i) => ({ ...records[1]!, offset: String(i), value: Buffer.from(`{"event":"insert","n":${i % 5},"padding":"${'x'.repeat(80)}"}`) }));
    const zstd = await encodeContainerMeasured(many, { codec: 'zstandard', seed: 'k' });
    const plain = await encodeContainerMeasured(many, { codec: 'null', seed: 'k' });
    expect(await headerCodec(zstd.body)).toBe('zstandard');
    expect(zstd.body.length).toBeLessThan(plain.body.length / 4);
    // Same records, same serialized size before the codec: the ratio stats shows.
    expect(zstd.uncompressedBytes).toBe(plain.uncompressedBytes);
    expect(plain.body.length).toBeGreaterThan(plain.uncompressedBytes);
    expect(await decodeContainer(zstd.body)).toEqual(many);
    const independent = await readContainerIndependently(zstd.body);
    expect(independent.map((r) => [r.offset, r.value?.toString()])).toEqual(many.map((r) => [BigInt(r.offset), r.value.toString()]));
    // Deterministic like the others: a replay rewrites the same bytes.
    expect((await encodeContainer(many, { codec: 'zstandard', seed: 'k' })).equals(zstd.body)).toBe(true);
  });

  it.skipIf(zstdCompressionAvailable())(`refuses to write zstandard on ${process.version}, saying why`, async () => {
    // avsc wraps the codec's error; the configuration refuses zstd before it could get here.
    const error = await encodeContainer(records, { codec: 'zstandard', seed: 'k' }).catch((e: unknown) => e as Error);
    expect((error as Error).cause).toBeInstanceOf(ZstdUnavailableError);
    expect(((error as Error).cause as Error).message).toContain(process.version);
  });
});
