import { describe, expect, it } from 'vitest';
import { backupGroupId, backupGroupsFor, batchLimits, kafkaSettings, legacyGroupIdFor, restoreKafkaSettings, s3Settings, s3WriteSettings } from '../../../src/config/settings.js';
import { s3WriteOptions } from '../../../src/storage/s3-object-store.js';
import { configOf } from '../../helpers/config-variables.js';

describe('kafkaSettings and restoreKafkaSettings', () => {
  it("give the backup its brokers, client id and security, and the restore target the brokers it is given with the target's security", () => {
    const config = configOf({ KAFKA_BROKERS: 'a:9092,b:9092', KAFKA_CLIENT_ID: 'sv-prod', KAFKA_SSL: 'true', RESTORE_KAFKA_SSL: 'false' });
    expect(kafkaSettings(config)).toEqual({ brokers: ['a:9092', 'b:9092'], clientId: 'sv-prod', security: config.kafkaSecurity });
    expect(kafkaSettings(config).security.tls).toBeDefined();
    const target = restoreKafkaSettings(config, ['target:9092']);
    expect(target).toEqual({ brokers: ['target:9092'], clientId: 'sv-prod', security: config.restoreKafkaSecurity });
    // STREAMVAULT_RESTORE_KAFKA_SSL=false: the target has no TLS although the backup has.
    expect(target.security.tls).toBeUndefined();
  });
});

describe('s3Settings', () => {
  it('carries the bucket, endpoint, credentials, attempts and timeouts as configured', () => {
    const config = configOf({ S3_BUCKET: 'vault', S3_ENDPOINT: 'http://minio:9000', S3_REGION: 'eu-west-1', S3_FORCE_PATH_STYLE: 'true', S3_ACCESS_KEY_ID: 'id', S3_SECRET_ACCESS_KEY: 'secret', S3_SESSION_TOKEN: 'token', S3_MAX_ATTEMPTS: '7', S3_CONNECT_TIMEOUT_MS: '100', S3_REQUEST_TIMEOUT_MS: '200', S3_SOCKET_TIMEOUT_MS: '300' });
    expect(s3Settings(config)).toEqual({
      bucket: 'vault',
      endpoint: 'http://minio:9000',
      region: 'eu-west-1',
      forcePathStyle: true,
      accessKeyId: 'id',
      secretAccessKey: 'secret',
      sessionToken: 'token',
      maxAttempts: 7,
      connectTimeoutMs: 100,
      requestTimeoutMs: 200,
      socketTimeoutMs: 300,
    });
  });
});

describe('S3 write settings', () => {
  it("send nothing by default, so the bucket's defaults apply", () => {
    expect(s3WriteSettings(configOf())).toEqual({ serverSideEncryption: 'none', kmsKeyId: '', storageClass: '' });
    expect(s3WriteOptions(s3WriteSettings(configOf()))).toEqual({});
  });

  it('maps SSE-S3, SSE-KMS with its key and the storage class to what S3 takes', () => {
    const sse = configOf({ S3_SERVER_SIDE_ENCRYPTION: 'AES256', S3_STORAGE_CLASS: 'standard_ia' });
    expect(s3WriteOptions(s3WriteSettings(sse))).toEqual({ serverSideEncryption: 'AES256', storageClass: 'STANDARD_IA' });
    const kms = configOf({ S3_SERVER_SIDE_ENCRYPTION: 'aws:kms', S3_SSE_KMS_KEY_ID: 'alias/backup' });
    expect(s3WriteOptions(s3WriteSettings(kms))).toEqual({ serverSideEncryption: 'aws:kms', kmsKeyId: 'alias/backup' });
  });
});

describe('batchLimits', () => {
  it('turns the age into whole milliseconds', () => {
    expect(batchLimits(configOf({ BATCH_MAX_EVENTS: '50', BATCH_MAX_AGE_SECONDS: '0.0015', BATCH_MAX_BYTES: '2048' }))).toEqual({ maxEvents: 50, maxAgeMs: 2, maxBytes: 2048 });
    expect(batchLimits(configOf()).maxAgeMs).toBe(600_000);
  });
});

describe('consumer groups', () => {
  it('backs every pair up in the one configured group, and takes over the per-pair group of earlier versions after it', () => {
    const config = configOf({ KAFKA_GROUP_ID: 'vault' });
    const pair = { source: 'samples', event: 'sourced' };
    expect(backupGroupId(config)).toBe('vault');
    expect(legacyGroupIdFor(config, pair)).toBe('vault.samples.sourced');
    expect(backupGroupsFor(config, pair)).toEqual(['vault', 'vault.samples.sourced']);
  });
});
