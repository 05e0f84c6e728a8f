import { Kafka, type KafkaConfig, type RetryOptions, type SASLOptions } from 'kafkajs';
import type { Logger } from '../observability/logger.js';
import { registerCompressionCodecs } from './compression-codecs.js';
import { kafkaLogSink } from './kafka-log-sink.js';

export interface KafkaSettings {
  brokers: readonly string[];
  clientId: string;
  ssl: boolean;
  saslMechanism: 'none' | 'plain' | 'scram-sha-256' | 'scram-sha-512';
  saslUsername: string;
  saslPassword: string;
}

/**
 * kafkajs's retries of one request: about 15 s in all (300 ms doubling, at most 5 s apart). A
 * retry cannot be cancelled (disconnect does not stop it; the next attempt reconnects), so this
 * also bounds how long a client keeps working after it was asked to stop. Longer broker outages
 * are waited out a level up: the consumer restarts, `backup --once` gives up after
 * STREAMVAULT_KAFKA_CONNECT_TIMEOUT_SECONDS.
 */
export const KAFKA_RETRY: RetryOptions = { retries: 6, initialRetryTime: 300, maxRetryTime: 5_000 };

/**
 * A kafkajs client whose log lines go through pino (kafka-log-sink.ts: errors as warnings,
 * repeats counted); snappy, lz4 and zstd topics readable.
 */
export function createKafka(settings: KafkaSettings, logger: Logger, overrides: Partial<KafkaConfig> = {}): Kafka {
  registerCompressionCodecs();
  const sink = kafkaLogSink({ logger, now: () => performance.now() });
  const config: KafkaConfig = {
    brokers: [...settings.brokers],
    clientId: settings.clientId,
    ssl: settings.ssl,
    logLevel: sink.level,
    logCreator: sink.creator,
    retry: KAFKA_RETRY,
    ...overrides,
  };
  if (settings.saslMechanism !== 'none') {
    config.sasl = {
      mechanism: settings.saslMechanism,
      username: settings.saslUsername,
      password: settings.saslPassword,
    } as SASLOptions;
  }
  return new Kafka(config);
}
