import { createRequire } from 'node:module';
import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { toBackupRecord } from '../../../src/kafka/to-backup-record.js';

// kafkajs's own record encoder and decoder: the test sees headers exactly as a consumer gets them.
const require = createRequire(import.meta.url);
const Encoder = require('kafkajs/src/protocol/encoder.js');
const Decoder = require('kafkajs/src/protocol/decoder.js');
const HeaderEncoder = require('kafkajs/src/protocol/recordBatch/header/v0/index.js');
const decodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js');

/** One record on the wire with these headers in this order, decoded by kafkajs. */
function decodedByKafkajs(headers: Array<{ key: string; value: Buffer | null }>): KafkaMessage {
  const body = new Encoder()
    .writeInt8(0)
    .writeVarLong(0)
    .writeVarInt(0)
    .writeVarIntBytes(null)
    .writeVarIntBytes(Buffer.from('v'))
    .writeVarIntArray(headers.map((h) => HeaderEncoder(h)));
  return decodeRecord(new Decoder(body.buffer), { firstOffset: '7', firstTimestamp: '1700000000000' }) as KafkaMessage;
}

describe('toBackupRecord', () => {
  it('takes header keys named like Object.prototype members over exactly (kafkajs hands them over as [Object, value])', () => {
    const wire = [
      { key: 'constructor', value: Buffer.from('c1') },
      { key: '__proto__', value: Buffer.from('p') },
      { key: 'toString', value: Buffer.from('t') },
      { key: 'hasOwnProperty', value: null },
      { key: 'plain', value: Buffer.from('x') },
      { key: 'constructor', value: Buffer.from('c2') },
    ];
    const message = decodedByKafkajs(wire);
    const { record, problems } = toBackupRecord('t', 3, message);
    expect(problems).toEqual([]);
    // kafkajs groups repeated keys (key order, then each key's values): the one thing it hides.
    expect(record.headers).toEqual([
      { key: 'constructor', value: Buffer.from('c1') },
      { key: 'constructor', value: Buffer.from('c2') },
      { key: '__proto__', value: Buffer.from('p') },
      { key: 'toString', value: Buffer.from('t') },
      { key: 'hasOwnProperty', value: null },
      { key: 'plain', value: Buffer.from('x') },
    ]);
    expect(record).toMatchObject({ topic: 't', partition: 3, offset: '7', value: Buffer.from('v') });
  });

  it('backs up a header value it cannot read as bytes without it, and says so instead of throwing', () => {
    const message = { offset: '1', timestamp: '5', key: null, value: null, headers: { odd: 42 as unknown as Buffer, ok: Buffer.from('y') } } as unknown as KafkaMessage;
    const { record, problems } = toBackupRecord('t', 0, message);
    expect(record.headers).toEqual([{ key: 'ok', value: Buffer.from('y') }]);
    expect(problems).toEqual(['header "odd": expected bytes or null from kafkajs, got number; left out']);
  });

  it('keeps copies, not slices of the fetch response kafkajs decoded them from', () => {
    // A slice would keep the whole response (up to 16 MiB a fetch) alive while the batch waits.
    const message = decodedByKafkajs([{ key: 'h', value: Buffer.from('header value') }]);
    const response = message.value!.buffer;
    expect(message.headers!['h']).toBeInstanceOf(Buffer);
    expect((message.headers!['h'] as Buffer).buffer).toBe(response);
    const { record } = toBackupRecord('t', 0, message);
    expect(record.value).toEqual(Buffer.from('v'));
    expect(record.value!.buffer).not.toBe(response);
    expect(record.headers[0]!.value).toEqual(Buffer.from('header value'));
    expect(record.headers[0]!.value!.buffer).not.toBe(response);
  });
});
