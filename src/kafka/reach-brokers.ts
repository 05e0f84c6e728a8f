import { setTimeout as sleep } from 'node:timers/promises';
import { logLevel, type Kafka } from 'kafkajs';
import type { Logger } from '../observability/logger.js';
import { classifyKafkaError, tlsVerificationFailure } from '../errors/kafka-error-class.js';
import type { KafkaSettings } from '../config/settings.js';
import { createKafka, describeKafkaSecurity } from './create-kafka.js';

export type BrokerReach = { kind: 'reached' } | { kind: 'unreachable'; message: string };

export interface ReachBrokersOptions {
  readonly settings: KafkaSettings;
  readonly logger: Logger;
  /** Total time allowed, milliseconds (STREAMVAULT_KAFKA_CONNECT_TIMEOUT_SECONDS). */
  readonly timeoutMs: number;
  /** Builds the probe client; default createKafka (tests may pass their own). */
  readonly createClient?: (settings: KafkaSettings, logger: Logger, overrides: object) => Kafka;
}

/** Longest pause between two attempts. */
const MAX_PAUSE_MS = 2000;

/**
 * Asks the brokers for the cluster's metadata until one answers or `timeoutMs` is spent, before
 * any long-lived client is made. kafkajs's own retries cannot be bounded in time nor cancelled
 * (an unreachable broker kept every client trying for about 70 s, one after another, and trying
 * on after disconnect), so each attempt here is a fresh client that does not retry, whose
 * connection and request timeouts fit in what is left, disconnected before the next. Credentials
 * the brokers refuse, and a broker certificate TLS refuses, end the wait at once: retrying does not
 * change them. Messages say how the client connected (TLS, SASL mechanism and user), never the password.
 */
export async function reachBrokers(options: ReachBrokersOptions): Promise<BrokerReach> {
  const { settings, logger, timeoutMs } = options;
  const createClient = options.createClient ?? createKafka;
  const deadline = performance.now() + timeoutMs;
  const brokers = settings.brokers.join(',');
  let attempts = 0;
  let lastError: unknown;
  for (;;) {
    const left = deadline - performance.now();
    if (left <= 0) break;
    attempts += 1;
    const stepMs = Math.max(100, Math.min(10_000, Math.floor(left)));
    const admin = createClient(settings, logger, {
      retry: { retries: 0 },
      connectionTimeout: stepMs,
      authenticationTimeout: stepMs,
      requestTimeout: stepMs,
      // This probe's failures are reported once, below, with what they mean.
      logLevel: logLevel.NOTHING,
    }).admin({ retry: { retries: 0 } });
    try {
      await admin.connect();
      await admin.describeCluster();
      if (attempts > 1) logger.info({ brokers, attempts }, 'Kafka brokers reached');
      return { kind: 'reached' };
    } catch (error) {
      lastError = error;
      const classified = classifyKafkaError(error);
      logger.debug({ brokers, attempt: attempts, err: error }, 'Kafka brokers not reached yet');
      if (classified.kind === 'auth') {
        const how = describeKafkaSecurity(settings.security);
        const tlsCode = tlsVerificationFailure(error);
        const message =
          tlsCode !== undefined
            ? `the TLS certificate of the Kafka brokers ${brokers} was not accepted (${tlsCode}; ${how}): ${classified.root}; ` +
              'is the CA file the one that signed the brokers\' certificates, and do they name the host connected to?'
            : `the Kafka brokers ${brokers} refused the credentials (${how}): ${classified.root}`;
        return { kind: 'unreachable', message };
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    const pause = Math.min(MAX_PAUSE_MS, 250 * 2 ** Math.min(attempts - 1, 4), deadline - performance.now());
    if (pause > 0) await sleep(pause);
  }
  const seconds = Math.round(timeoutMs / 100) / 10;
  return {
    kind: 'unreachable',
    message:
      `cannot reach the Kafka brokers ${brokers} within ${seconds} s (${attempts} attempt${attempts === 1 ? '' : 's'}; ${describeKafkaSecurity(settings.security)}; ` +
      `STREAMVAULT_KAFKA_CONNECT_TIMEOUT_SECONDS): ${lastError === undefined ? 'no attempt finished' : classifyKafkaError(lastError).root}`,
  };
}
