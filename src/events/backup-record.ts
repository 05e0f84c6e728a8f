import avro from 'avsc';
import { bigintLongType } from './schema-registry.js';

/**
 * One Kafka record exactly as consumed. Key, value and header values are raw bytes; `null` stays
 * distinct from an empty buffer (a tombstone has a null value). Offsets are decimal strings, as
 * kafkajs gives them, because Kafka offsets are 64-bit.
 */
export interface BackupRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /**
   * Kafka record timestamp (milliseconds since the epoch by convention; any 64-bit value a
   * producer wrote, e.g. nanoseconds or -1), exact: a bigint, never rounded to a double.
   */
  readonly timestamp: bigint;
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

/** Offsets and timestamps are Avro longs read back as bigint, so values above 2^53 stay exact. */
export const backupRecordType = avro.Type.forSchema(BACKUP_RECORD_SCHEMA as unknown as avro.Schema, {
  registry: { long: bigintLongType },
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
    timestamp: record.timestamp,
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
    timestamp: record.timestamp,
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
