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
  return kafka.producer({ allowAutoTopicCreation: true, ...config, ...safe });
}
