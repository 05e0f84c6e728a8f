import { Kafka, logLevel } from 'kafkajs';
import { withCleanup } from '../../helpers/cleanup.js';
import { sharedKafkaBrokers } from '../../helpers/shared-servers.js';
import type { StreamServer } from '../../helpers/stream-server.js';
import { testProducer } from '../../helpers/test-producer.js';
import { StreamEventGenerator, type GeneratedEvent } from './stream-events.js';

export interface StreamEventFeed {
  readonly generator: StreamEventGenerator;
  /**
   * Generates `count` events, lets the stream server serve the blob each references, and produces
   * them to the topic in requests of at most `perRequest` records; resolves with them once the broker
   * acked.
   */
  send(count: number, perRequest?: number): Promise<GeneratedEvent[]>;
}

/**
 * The producer side of a scenario: events of the testdata schema on the shared broker, each
 * referencing a new blob the stream server serves. The producer is closed at the test's cleanup.
 */
export async function openStreamEventFeed(options: { topic: string; streams: StreamServer; firstSeed?: number }): Promise<StreamEventFeed> {
  const generator = await StreamEventGenerator.create(options.firstSeed === undefined ? {} : { firstSeed: options.firstSeed });
  const producer = testProducer(new Kafka({ brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING }));
  await producer.connect();
  withCleanup({ stop: () => producer.disconnect() });
  return {
    generator,
    async send(count, perRequest = count) {
      const events = Array.from({ length: count }, () => generator.next());
      for (const e of events) options.streams.putGenerated(e.blob.source, e.blob.label, e.blob.size, e.blob.seed);
      for (let i = 0; i < events.length; i += perRequest) {
        const messages = events.slice(i, i + perRequest).map((e) => ({ key: e.key, value: e.value, headers: e.headers }));
        await producer.send({ topic: options.topic, messages });
      }
      return events;
    },
  };
}
