import { inject } from 'vitest';
import type { KafkaKind } from '../../scripts/local/kafka-broker.js';

// One Kafka cluster and one s3rver are started by test/global-setup.ts for the whole run. Use
// unique topic and bucket names (names.ts): other files use the same servers at the same time.
declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string[];
    /** Which broker the run uses: 'kafka' (Apache Kafka, KRaft) or 'mock' (librdkafka's mock cluster). */
    kafkaKind: KafkaKind;
    s3Endpoint: string;
  }
}

export function sharedKafkaBrokers(): string[] {
  return inject('kafkaBrokers');
}

/**
 * The kind of broker this run uses (STREAMVAULT_TEST_KAFKA); private clusters from
 * helpers/kafka-broker.ts are of the same kind. A test that needs one kind skips on the other,
 * saying why: `it.skipIf(sharedKafkaKind() !== 'kafka')(...)`.
 */
export function sharedKafkaKind(): KafkaKind {
  return inject('kafkaKind');
}

/** Endpoint of the shared s3rver; build a client with `s3ClientFor(sharedS3Endpoint())`. */
export function sharedS3Endpoint(): string {
  return inject('s3Endpoint');
}
