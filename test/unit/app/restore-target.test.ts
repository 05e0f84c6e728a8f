import { describe, expect, it } from 'vitest';
import { restoreBrokers, restoreTargetClients, restoreTuning } from '../../../src/app/restore-target.js';
import { loadConfig, type Config } from '../../../src/config/load-config.js';
import { createLogger } from '../../../src/observability/logger.js';

function config(env: Record<string, string> = {}): Config {
  const loaded = loadConfig({ STREAMVAULT_S3_BUCKET: 'backup-bucket', STREAMVAULT_KAFKA_BROKERS: 'source-1:9092,source-2:9092', ...env });
  if (!loaded.ok) throw new Error(`expected a valid configuration, got ${JSON.stringify(loaded.problems)}`);
  return loaded.config;
}

describe('restoreBrokers', () => {
  it('is the restore\'s own brokers when set, else the backup\'s', () => {
    expect(restoreBrokers(config())).toEqual(['source-1:9092', 'source-2:9092']);
    expect(restoreBrokers(config({ STREAMVAULT_RESTORE_KAFKA_BROKERS: 'target:9092' }))).toEqual(['target:9092']);
  });

  it('hands out a copy, so a caller cannot change the configuration', () => {
    const c = config();
    restoreBrokers(c).push('extra:1');
    expect(restoreBrokers(c)).toEqual(['source-1:9092', 'source-2:9092']);
  });
});

describe('restoreTuning', () => {
  it('takes the restore variables, seconds as milliseconds', () => {
    const tuning = restoreTuning(config({ STREAMVAULT_RESTORE_CONCURRENCY: '3', STREAMVAULT_RESTORE_SCAN_TIMEOUT_SECONDS: '2.5', STREAMVAULT_RESTORE_EVENTS_PER_SECOND: '100' }));
    expect(tuning).toMatchObject({ concurrency: 3, scanTimeoutMs: 2_500, eventsPerSecond: 100 });
    expect(Object.keys(tuning).sort()).toEqual([
      'bytesPerSecond', 'concurrency', 'createTopics', 'eventsPerSecond', 'fewerPartitions', 'idempotentProducer', 'pairOrder',
      'produceBatchBytes', 'produceBatchEvents', 'replicationFactor', 'scanTimeoutMs', 'streamRetries',
    ]);
  });
});

describe('restoreTargetClients', () => {
  it('builds a kafkajs client for the target on demand, without connecting', () => {
    const clients = restoreTargetClients(config(), ['target:9092'], createLogger('silent'));
    const kafka = clients.targetKafka();
    expect(typeof kafka.producer).toBe('function');
    expect(typeof kafka.admin).toBe('function');
    expect(clients.targetKafka()).not.toBe(kafka);
  });
});
