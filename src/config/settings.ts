import type { KafkaSecurity } from './kafka-security.js';
import type { Config } from './load-config.js';
import type { StorageClass } from './variables/s3-writes.js';

/** Narrow views of the config for the parts that need them, so they do not depend on all of it. */

/** The brokers of one cluster and how to reach them: what src/kafka/create-kafka.ts makes a client of. */
export interface KafkaSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly security: KafkaSecurity;
}

/** The S3 client of the backup bucket: what src/storage/s3-object-store.ts createS3Client makes. */
export interface S3Settings {
  bucket: string;
  endpoint: string;
  region: string;
  forcePathStyle: boolean;
  accessKeyId: string;
  secretAccessKey: string;
  /** Of temporary credentials; empty or absent: none. */
  sessionToken?: string;
  maxAttempts: number;
  /** Per attempt, milliseconds: opening a connection (default 5000). */
  connectTimeoutMs?: number;
  /** Per attempt, milliseconds: until the response starts, the request body included (default 120000). */
  requestTimeoutMs?: number;
  /** Per attempt, milliseconds: a connection with nothing sent or received (default 30000). */
  socketTimeoutMs?: number;
}

/** Server-side encryption and storage class as configured: src/storage/s3-object-store.ts s3WriteOptions turns them into the store's write options. */
export interface S3WriteSettings {
  readonly serverSideEncryption: 'none' | 'aes256' | 'aws:kms';
  readonly kmsKeyId: string;
  readonly storageClass: StorageClass | '';
}

/** When a partition's batch is written (src/backup/partition-batch.ts). */
export interface BatchLimits {
  /** Events per batch. */
  readonly maxEvents: number;
  /** Milliseconds the oldest event may wait. */
  readonly maxAgeMs: number;
  /** Bytes of keys, values and headers per batch. */
  readonly maxBytes: number;
}

/** The backup's brokers (every client of `backup`: consumers, admin, probe, lag poll). */
export function kafkaSettings(config: Config): KafkaSettings {
  return {
    brokers: config.KAFKA_BROKERS,
    clientId: config.KAFKA_CLIENT_ID,
    security: config.kafkaSecurity,
  };
}

/** The cluster restore and drill write to (app/restore-target.ts: its brokers, its TLS and SASL). */
export function restoreKafkaSettings(config: Config, brokers: readonly string[]): KafkaSettings {
  return { brokers, clientId: config.KAFKA_CLIENT_ID, security: config.restoreKafkaSecurity };
}

export function s3Settings(config: Config): S3Settings {
  return {
    bucket: config.S3_BUCKET,
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    accessKeyId: config.S3_ACCESS_KEY_ID,
    secretAccessKey: config.S3_SECRET_ACCESS_KEY,
    sessionToken: config.S3_SESSION_TOKEN,
    maxAttempts: config.S3_MAX_ATTEMPTS,
    connectTimeoutMs: config.S3_CONNECT_TIMEOUT_MS,
    requestTimeoutMs: config.S3_REQUEST_TIMEOUT_MS,
    socketTimeoutMs: config.S3_SOCKET_TIMEOUT_MS,
  };
}

/** Server-side encryption and storage class of every write to the backup bucket. */
export function s3WriteSettings(config: Config): S3WriteSettings {
  return {
    serverSideEncryption: config.S3_SERVER_SIDE_ENCRYPTION,
    kmsKeyId: config.S3_SSE_KMS_KEY_ID,
    storageClass: config.S3_STORAGE_CLASS,
  };
}

export function batchLimits(config: Config): BatchLimits {
  return {
    maxEvents: config.BATCH_MAX_EVENTS,
    maxAgeMs: Math.round(config.BATCH_MAX_AGE_SECONDS * 1000),
    maxBytes: config.BATCH_MAX_BYTES,
  };
}

/** The one consumer group of every pair: replicas with the same id share the partitions of every pair's topic. */
export function backupGroupId(config: Config): string {
  return config.KAFKA_GROUP_ID;
}

/**
 * The group a pair consumed in before one group served every pair (one group per pair,
 * `<group>.<source>.<event>`): its commits are taken over where the backup group has none.
 */
export function legacyGroupIdFor(config: Config, pair: { source: string; event: string }): string {
  return `${config.KAFKA_GROUP_ID}.${pair.source}.${pair.event}`;
}

/** The groups whose commit says where a pair's backup continues, first one first: the backup group, then the pair's former group. */
export function backupGroupsFor(config: Config, pair: { source: string; event: string }): readonly string[] {
  return [backupGroupId(config), legacyGroupIdFor(config, pair)];
}
