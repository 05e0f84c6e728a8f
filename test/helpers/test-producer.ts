import type { Kafka, Producer, ProducerConfig } from 'kafkajs';
import { sharedKafkaKind } from './shared-servers.js';

/**
 * The producer tests write their input with. On Apache Kafka it is idempotent: a busy machine makes
 * produce requests time out or fail for some partitions of a just-created topic, and kafkajs then
 * resends the whole request, so a plain producer writes some records twice and the test's own input
 * is wrong. The mock cluster has no idempotent producer (TEST_INFRA.md).
 */
export function testProducer(kafka: Kafka, config: ProducerConfig = {}): Producer {
  const safe: ProducerConfig = sharedKafkaKind() === 'kafka' ? { idempotent: true, maxInFlightRequests: 1 } : {};
  // The first send to a new topic waits for its auto-creation, which on a busy machine outlasts
  // kafkajs's default five retries.
  return kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 12, initialRetryTime: 300, maxRetryTime: 5_000 }, ...config, ...safe });
}
