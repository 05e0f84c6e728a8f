import { Kafka, type KafkaConfig, type RetryOptions, type SASLOptions } from 'kafkajs';
import type { Logger } from '../observability/logger.js';
import { registerCompressionCodecs } from './compression-codecs.js';
import { kafkaLogSink } from './kafka-log-sink.js';
import type { KafkaSecurity, KafkaTls } from '../config/kafka-security.js';
import type { KafkaSettings } from '../config/settings.js';

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
 * repeats counted); snappy, lz4 and zstd topics readable; TLS and SASL as configured. Every
 * Kafka client streamvault makes comes from here, so none can miss the security settings.
 */
export function createKafka(settings: KafkaSettings, logger: Logger, overrides: Partial<KafkaConfig> = {}): Kafka {
  registerCompressionCodecs();
  const sink = kafkaLogSink({ logger, now: () => performance.now() });
  const config: KafkaConfig = {
    brokers: [...settings.brokers],
    clientId: settings.clientId,
    ssl: kafkajsTls(settings.security.tls),
    logLevel: sink.level,
    logCreator: sink.creator,
    retry: KAFKA_RETRY,
    ...overrides,
  };
  const sasl = settings.security.sasl;
  if (sasl) {
    config.sasl = { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions;
  }
  return new Kafka(config);
}

function kafkajsTls(tls: KafkaTls | undefined): KafkaConfig['ssl'] {
  if (!tls) return false;
  return {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(tls.ca !== undefined ? { ca: [tls.ca] } : {}),
    ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
    ...(tls.key !== undefined ? { key: tls.key } : {}),
  };
}

/** For messages and logs: how a client connects, never with the password. E.g. `TLS, SASL scram-sha-512 as user alice`. */
export function describeKafkaSecurity(security: KafkaSecurity): string {
  const tls = security.tls ? (security.tls.rejectUnauthorized ? 'TLS' : 'TLS without certificate verification') : 'plaintext';
  const sasl = security.sasl ? `SASL ${security.sasl.mechanism} as user ${JSON.stringify(security.sasl.username)}` : 'no SASL';
  return `${tls}, ${sasl}`;
}
