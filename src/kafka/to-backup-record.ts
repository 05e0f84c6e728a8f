import type { KafkaMessage } from 'kafkajs';
import type { BackupRecord } from '../events/backup-record.js';

/**
 * kafkajs delivers headers as an object whose repeated keys are grouped into arrays; the original
 * interleaving of repeated keys is not observable through it. We keep key order, then each key's
 * values in order.
 */
export function toBackupRecord(topic: string, partition: number, message: KafkaMessage): BackupRecord {
  const headers: Array<{ key: string; value: Buffer | null }> = [];
  for (const [key, raw] of Object.entries(message.headers ?? {})) {
    const values = Array.isArray(raw) ? raw : [raw];
    for (const value of values) {
      headers.push({ key, value: value === undefined || value === null ? null : Buffer.from(value) });
    }
  }
  return {
    topic,
    partition,
    offset: message.offset,
    timestamp: Number(message.timestamp),
    key: message.key ?? null,
    value: message.value ?? null,
    headers,
  };
}
