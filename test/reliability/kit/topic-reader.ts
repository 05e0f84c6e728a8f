import { Kafka, logLevel } from 'kafkajs';
import { readTopics, type TopicRecord } from '../../../scripts/local/read-topics.js';

export type { TopicRecord };

/** Every record of `topics` read with a kafkajs consumer of the test's own (a throwaway group). */
export async function readTopicsOf(brokers: readonly string[], topics: readonly string[], timeoutMs = 120_000): Promise<TopicRecord[]> {
  const kafka = new Kafka({ brokers: [...brokers], logLevel: logLevel.NOTHING, clientId: 'reliability-reader' });
  return readTopics(kafka, topics, timeoutMs);
}

export const recordId = (r: { topic: string; partition: number; offset: string | bigint }) => `${r.topic}/${r.partition}/${r.offset}`;
