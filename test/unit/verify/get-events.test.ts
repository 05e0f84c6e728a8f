import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { EventDecoder } from '../../../src/events/event-decoder.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { parseEventsKey, printEvents, toJsonSafe, toPrinted } from '../../../src/verify/get-events.js';
import { writeFixtureBackup } from '../../helpers/backup-fixture.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const record = {
  topic: 'orders',
  partition: 2,
  offset: '41',
  timestamp: 1_767_322_800_000n,
  key: Buffer.from('k1'),
  value: Buffer.from([1, 2, 3]),
  headers: [{ key: 'h', value: Buffer.from('x') }, { key: 'n', value: null }],
};

/** Decodes [1, 2, 3] as an Order; anything else is malformed. */
const decoder: EventDecoder = {
  decode: (value) =>
    value !== null && value.equals(Buffer.from([1, 2, 3]))
      ? { kind: 'decoded', typeName: 'Order', value: { id: 2n ** 60n, small: 5n, blob: Buffer.from('b'), list: [1n] } }
      : { kind: 'malformed', code: 'no-type-matched' as never, reason: 'no type decodes all bytes' },
};

function sink(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  return { out, text: () => Buffer.concat(chunks).toString() };
}

describe('parseEventsKey', () => {
  const layout = new KeyLayout('vault/');
  const key = `events/samples/sourced/p000002/${'0'.repeat(18)}41-2026-01-02.avro`;

  it('names the pair of an events object key, with or without the prefix', () => {
    expect(parseEventsKey(layout, key)).toEqual({ key: `vault/${key}`, source: 'samples', event: 'sourced' });
    expect(parseEventsKey(layout, `vault/${key}`)).toEqual({ key: `vault/${key}`, source: 'samples', event: 'sourced' });
  });

  it('is undefined for anything that is not an events object key', () => {
    expect(parseEventsKey(layout, 'manifests/samples/sourced/p000002/x.json')).toBeUndefined();
    expect(parseEventsKey(layout, key.replace('p000002', 'p2'))).toBeUndefined();
    expect(parseEventsKey(layout, `${key}.tmp`)).toBeUndefined();
  });
});

describe('toPrinted', () => {
  it('gives bytes as base64 and keeps null keys and header values null', () => {
    expect(toPrinted({ ...record, key: null }, undefined)).toEqual({
      topic: 'orders',
      partition: 2,
      offset: '41',
      timestamp: 1_767_322_800_000,
      key: null,
      headers: [{ key: 'h', value: 'eA==' }, { key: 'n', value: null }],
      value_encoding: 'base64',
      value: 'AQID',
    });
  });

  it('decodes a value with the schema when it decodes, JSON-safe; says why when it does not', () => {
    expect(toPrinted(record, decoder)).toMatchObject({ value_encoding: 'decoded', value_type: 'Order', value: { id: '1152921504606846976', small: 5, blob: 'Yg==', list: [1] } });
    expect(toPrinted({ ...record, value: Buffer.from('zz') }, decoder)).toMatchObject({ value_encoding: 'base64', value: 'eno=', decode_error: 'no type decodes all bytes' });
    expect(toPrinted({ ...record, value: null }, decoder)).toMatchObject({ value_encoding: 'null', value: null });
  });

  it('writes a timestamp beyond 2^53 as a decimal string, exactly', () => {
    expect(toPrinted({ ...record, timestamp: 2n ** 53n + 1n }, undefined).timestamp).toBe('9007199254740993');
  });
});

describe('toJsonSafe', () => {
  it('turns bigints into numbers while exact, Buffers into base64, inside arrays and objects', () => {
    expect(toJsonSafe({ a: [1n, -(2n ** 60n)], b: { c: Buffer.from('hi') }, d: null, e: 'x' })).toEqual({ a: [1, '-1152921504606846976'], b: { c: 'aGk=' }, d: null, e: 'x' });
  });
});

describe('printEvents', () => {
  it('prints every record of an object as a JSON line, in offset order', async () => {
    const store = new MemoryObjectStore();
    const { entries } = await writeFixtureBackup(store, new KeyLayout(''), { perBatch: 3 });
    const { out, text } = sink();
    const result = await printEvents({ store, decoder: undefined, out }, entries[0]!.key, 'json');
    expect(result).toEqual({ kind: 'printed', key: entries[0]!.key, records: 3 });
    const lines = text().trim().split('\n').map((l) => JSON.parse(l) as { offset: string; value: string });
    expect(lines.map((l) => l.offset)).toEqual(['0', '1', '2']);
    expect(Buffer.from(lines[1]!.value, 'base64').toString()).toBe('value samples.sourced 0 1');
  });

  it('prints readable lines: the time in UTC, a printable key quoted, a raw value as base64', async () => {
    const store = new MemoryObjectStore();
    const { entries } = await writeFixtureBackup(store, new KeyLayout(''), { perBatch: 1 });
    const { out, text } = sink();
    await printEvents({ store, decoder: undefined, out }, entries[0]!.key, 'text');
    expect(text()).toBe(`samples.sourced/0@0 2026-01-02T03:04:05.000Z key="k0" headers=1 value=base64:${Buffer.from('value samples.sourced 0 0').toString('base64')}\n`);
  });

  it('says missing for an absent object, and corrupt (with what it printed before) for a damaged one', async () => {
    const store = new MemoryObjectStore();
    const { out } = sink();
    expect(await printEvents({ store, decoder: undefined, out }, 'events/none.avro', 'json')).toEqual({ kind: 'missing', key: 'events/none.avro' });
    await store.put('events/bad.avro', Buffer.from('not an avro container'));
    const corrupt = await printEvents({ store, decoder: undefined, out }, 'events/bad.avro', 'json');
    expect(corrupt).toMatchObject({ kind: 'corrupt', key: 'events/bad.avro', records: 0 });
    expect(corrupt.kind === 'corrupt' && corrupt.error.length).toBeGreaterThan(0);
  });
});
