import avro from 'avsc';

/**
 * One Kafka record exactly as consumed. Key, value and header values are raw bytes; `null` stays
 * distinct from an empty buffer (a tombstone has a null value). Offsets are decimal strings, as
 * kafkajs gives them, because Kafka offsets are 64-bit.
 */
export interface BackupRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** Kafka record timestamp, milliseconds since the epoch. */
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** In the order the client delivered them (kafkajs groups a repeated key into one array). */
  readonly headers: ReadonlyArray<{ readonly key: string; readonly value: Buffer | null }>;
}

/** Schema of the records inside every events object. Changing it needs a new name/version. */
export const BACKUP_RECORD_SCHEMA = {
  type: 'record',
  name: 'KafkaRecord',
  namespace: 'streamvault.v1',
  fields: [
    { name: 'topic', type: 'string' },
    { name: 'partition', type: 'int' },
    { name: 'offset', type: 'long' },
    { name: 'timestamp', type: 'long' },
    { name: 'key', type: ['null', 'bytes'] },
    { name: 'value', type: ['null', 'bytes'] },
    {
      name: 'headers',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'KafkaHeader',
          fields: [
            { name: 'key', type: 'string' },
            { name: 'value', type: ['null', 'bytes'] },
          ],
        },
      },
    },
  ],
} as const;

/**
 * Offsets are stored as Avro longs; they are read back through BigInt so that an offset above
 * 2^53 (not seen in practice, but legal) can never be silently rounded.
 */
const longType = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(n);
    return buf;
  },
  fromJSON: (value: unknown) => BigInt(value as string),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (n1: bigint, n2: bigint) => (n1 === n2 ? 0 : n1 < n2 ? -1 : 1),
});

export const backupRecordType = avro.Type.forSchema(BACKUP_RECORD_SCHEMA as unknown as avro.Schema, {
  registry: { long: longType },
});

interface AvroRecord {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<{ key: string; value: Buffer | null }>;
}

export function toAvroRecord(record: BackupRecord): AvroRecord {
  return {
    topic: record.topic,
    partition: record.partition,
    offset: BigInt(record.offset),
    timestamp: BigInt(record.timestamp),
    key: record.key,
    value: record.value,
    headers: record.headers.map((h) => ({ key: h.key, value: h.value })),
  };
}

export function fromAvroRecord(record: AvroRecord): BackupRecord {
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset.toString(),
    timestamp: Number(record.timestamp),
    key: record.key,
    value: record.value,
    headers: record.headers.map((h) => ({ key: h.key, value: h.value })),
  };
}

/** Bytes a record holds in memory, for the batch byte limit. */
export function recordSize(record: BackupRecord): number {
  let size = 64 + record.topic.length + (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const h of record.headers) size += h.key.length + (h.value?.length ?? 0) + 16;
  return size;
}
