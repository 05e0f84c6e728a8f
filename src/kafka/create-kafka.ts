import { Kafka, logLevel as KafkaLogLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import type { Logger } from '../observability/logger.js';
import { registerCompressionCodecs } from './compression-codecs.js';

export interface KafkaSettings {
  brokers: readonly string[];
  clientId: string;
  ssl: boolean;
  saslMechanism: 'none' | 'plain' | 'scram-sha-256' | 'scram-sha-512';
  saslUsername: string;
  saslPassword: string;
}

/** A kafkajs client whose log lines go through pino, at warn and above; snappy, lz4 and zstd topics readable. */
export function createKafka(settings: KafkaSettings, logger: Logger): Kafka {
  registerCompressionCodecs();
  const config: KafkaConfig = {
    brokers: [...settings.brokers],
    clientId: settings.clientId,
    ssl: settings.ssl,
    logLevel: KafkaLogLevel.WARN,
    logCreator: () => (entry) => {
      const { message, ...extra } = entry.log;
      const fields = { kafka: entry.namespace, ...extra };
      if (entry.level <= KafkaLogLevel.ERROR) logger.error(fields, message);
      else logger.warn(fields, message);
    },
    retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 30_000 },
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
