import type { IHeaders, Kafka } from 'kafkajs';

export interface TopicRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Milliseconds since the epoch, as kafkajs gives it (a decimal string). */
  timestamp: string;
  headers: IHeaders;
}

/**
 * Every record currently in `topics` (up to the end offsets read at the start), in partition and
 * offset order. Uses a throwaway consumer group and commits nothing. Rejects after `timeoutMs`.
 */
export async function readTopics(kafka: Kafka, topics: readonly string[], timeoutMs = 60_000): Promise<TopicRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const remaining = new Map<string, bigint>();
  try {
    for (const topic of topics) {
      for (const o of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(o.high) > BigInt(o.low)) remaining.set(`${topic}/${o.partition}`, BigInt(o.high));
      }
    }
  } finally {
    await admin.disconnect();
  }
  const records: TopicRecord[] = [];
  if (remaining.size === 0) return records;
  // A short fetch wait: partitions that are read to the end would otherwise hold each fetch 5 s.
  const consumer = kafka.consumer({
    groupId: `streamvault-read-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Expected to read ${topics.join(', ')} to their end offsets within ${timeoutMs} ms; still waiting for ${[...remaining.keys()].join(', ')}`)),
        timeoutMs,
      );
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ topic, partition, message }) => {
            const id = `${topic}/${partition}`;
            const high = remaining.get(id);
            if (high === undefined || BigInt(message.offset) >= high) return;
            records.push({ topic, partition, offset: message.offset, key: message.key, value: message.value, timestamp: message.timestamp, headers: message.headers ?? {} });
            if (BigInt(message.offset) === high - 1n) {
              remaining.delete(id);
              if (remaining.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return records.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset))));
}
