import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka } from 'kafkajs';

export interface ScratchRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** As kafkajs delivers it: milliseconds since the epoch, a decimal string. */
  readonly timestamp: string;
  readonly headers: IHeaders;
}

/**
 * Reads every record of the drill's scratch topics up to the end offsets they had when the read
 * started, calling `visit` in offset order within each partition. A plain kafkajs consumer in a
 * fresh group that commits nothing: on purpose none of the restore's own target reading, so the
 * comparison does not share its code with what it checks.
 */
export async function readScratchTopics(
  kafka: Kafka,
  topics: readonly string[],
  visit: (record: ScratchRecord) => void,
  options: { timeoutMs: number },
): Promise<{ records: number }> {
  const remaining = new Map<string, bigint>();
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const topic of topics) {
      for (const o of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(o.high) > BigInt(o.low)) remaining.set(`${topic}:${o.partition}`, BigInt(o.high));
      }
    }
  } finally {
    await admin.disconnect();
  }
  if (remaining.size === 0) return { records: 0 };
  let records = 0;
  const consumer = kafka.consumer({ groupId: `streamvault-drill-read-${randomUUID()}`, maxWaitTimeInMs: 200, allowAutoTopicCreation: false });
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`expected to read the scratch topics to their end offsets within ${options.timeoutMs / 1000} s, still waiting for ${[...remaining.keys()].join(', ')}`)),
        options.timeoutMs,
      );
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const id = `${batch.topic}:${batch.partition}`;
            const high = remaining.get(id);
            if (high === undefined) return;
            for (const m of batch.messages) {
              const offset = BigInt(m.offset);
              if (offset >= high) break;
              records += 1;
              visit({ topic: batch.topic, partition: batch.partition, offset, key: m.key, value: m.value, timestamp: m.timestamp, headers: m.headers ?? {} });
            }
            if (BigInt(batch.lastOffset()) + 1n >= high) {
              remaining.delete(id);
              consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
              if (remaining.size === 0) resolve();
            }
          },
        })
        .catch(reject);
    });
    return { records };
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
  }
}
