import type { Config } from '../config/load-config.js';
import { restoreKafkaSettings } from '../config/settings.js';
import { createKafka } from '../kafka/create-kafka.js';
import { reachBrokers } from '../kafka/reach-brokers.js';
import type { Logger } from '../observability/logger.js';
import type { RestoreDeps, RestoreTuning } from '../restore/restore-runner.js';

/** The cluster a restore (or a drill) writes to: STREAMVAULT_RESTORE_KAFKA_BROKERS, else the backup's brokers. */
export function restoreBrokers(config: Config): string[] {
  return config.RESTORE_KAFKA_BROKERS.length > 0 ? [...config.RESTORE_KAFKA_BROKERS] : [...config.KAFKA_BROKERS];
}

/**
 * The target cluster's clients: a kafkajs client (producer, admin, scan consumer), and the bounded
 * probe run before anything is written. TLS and SASL: the target's own when set, else the backup's.
 */
export function restoreTargetClients(config: Config, brokers: string[], logger: Logger): Pick<RestoreDeps, 'targetKafka' | 'reachTarget'> {
  const settings = restoreKafkaSettings(config, brokers);
  return {
    targetKafka: () => createKafka(settings, logger),
    reachTarget: () => reachBrokers({ settings, logger, timeoutMs: Math.round(config.KAFKA_CONNECT_TIMEOUT_SECONDS * 1000) }),
  };
}

/** The restore's tuning variables, shared by `restore` and `drill`. */
export function restoreTuning(config: Config): RestoreTuning {
  return {
    concurrency: config.RESTORE_CONCURRENCY,
    pairOrder: config.RESTORE_PAIR_ORDER,
    produceBatchEvents: config.RESTORE_PRODUCE_BATCH_EVENTS,
    produceBatchBytes: config.RESTORE_PRODUCE_BATCH_BYTES,
    eventsPerSecond: config.RESTORE_EVENTS_PER_SECOND,
    bytesPerSecond: config.RESTORE_BYTES_PER_SECOND,
    streamRetries: config.RESTORE_STREAM_RETRIES,
    scanTimeoutMs: Math.round(config.RESTORE_SCAN_TIMEOUT_SECONDS * 1000),
    createTopics: config.RESTORE_CREATE_TOPICS,
    idempotentProducer: config.RESTORE_IDEMPOTENT_PRODUCER,
    replicationFactor: config.RESTORE_REPLICATION_FACTOR,
    fewerPartitions: config.RESTORE_FEWER_PARTITIONS,
  };
}
