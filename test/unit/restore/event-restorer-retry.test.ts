import kafkajs, { type Producer, type ProducerRecord, type RecordMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { BatchWriter } from '../../../src/backup/batch-writer.js';
import { PartitionBatch } from '../../../src/backup/partition-batch.js';
import { manifestOnlyPipeline } from '../../../src/streams/stream-pipeline.js';
import { createLogger } from '../../../src/observability/logger.js';
import { mayRetryProduce, restoreEvents } from '../../../src/restore/event-restorer.js';
import type { PlannedPartition } from '../../../src/restore/restore-plan.js';
import { RestoreJournal } from '../../../src/restore/restore-journal.js';
import { Throttle } from '../../../src/restore/throttle.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/** kafkajs's type declarations leave out the constructors' arguments that its src/errors.js takes. */
type ErrorClass = new (...args: unknown[]) => Error;
const KafkaJSConnectionError = kafkajs.KafkaJSConnectionError as unknown as ErrorClass;
const KafkaJSMetadataNotLoaded = kafkajs.KafkaJSMetadataNotLoaded as unknown as ErrorClass;
const KafkaJSNumberOfRetriesExceeded = kafkajs.KafkaJSNumberOfRetriesExceeded as unknown as ErrorClass;

/** A producer that appends to an in-memory partition log, failing the first sends with the given errors. */
function fakeProducer(failures: Error[]) {
  const log: ProducerRecord['messages'] = [];
  const sends: number[] = [];
  const producer = {
    send: async (record: ProducerRecord): Promise<RecordMetadata[]> => {
      const failure = failures.shift();
      if (failure) throw failure;
      sends.push(record.messages.length);
      const baseOffset = log.length;
      log.push(...record.messages);
      return [{ topicName: record.topic, partition: 0, errorCode: 0, baseOffset: String(baseOffset) }];
    },
  } as unknown as Producer;
  return { producer, log, sends };
}

async function oneBatch(store: MemoryObjectStore, valueBytes = 0): Promise<PlannedPartition> {
  const layout = new KeyLayout('');
  const writer = new BatchWriter({ store, layout, codec: 'null', streamSink: manifestOnlyPipeline(), now: () => new Date(0) });
  const batch = new PartitionBatch('orig', 0, 0);
  for (let offset = 0; offset < 5; offset += 1) {
    batch.add({ topic: 'orig', partition: 0, offset: String(offset), timestamp: 1_767_322_800_000n + BigInt(offset), key: null, value: valueBytes ? Buffer.alloc(valueBytes, offset) : Buffer.from(`v${offset}`), headers: [] }, 0, { streams: [], malformed: false });
  }
  const entry = await writer.write({ source: 's', event: 'e', topic: 'orig' }, batch);
  return { source: 's', event: 'e', topic: 'orig', partition: 0, batches: [entry] };
}

async function run(failures: Error[], options: { valueBytes?: number; produceBatchBytes?: number } = {}) {
  const store = new MemoryObjectStore();
  const planned = await oneBatch(store, options.valueBytes);
  const journal = await RestoreJournal.open(makeTempDir('restore-retry-'), { backup: 'mem', topicTemplate: '{topic}', streamTarget: 'none', brokers: [] });
  const { producer, log, sends } = fakeProducer(failures);
  const errors: string[] = [];
  try {
    const result = await restoreEvents([planned], {
      store,
      producer,
      journal,
      throttle: new Throttle({ eventsPerSecond: 0, bytesPerSecond: 0 }),
      logger: createLogger('silent'),
      scope: { sources: [], events: [], what: 'events', sinceMs: undefined, untilMs: undefined },
      targetTopicOf: () => 'target',
      bounds: new Map([['target', [{ low: 0n, high: 0n }]]]),
      restoredUpTo: new Map(),
      produceBatchEvents: 100,
      produceBatchBytes: options.produceBatchBytes ?? 900_000,
      concurrency: 1,
      pairOrder: { entries: [] },
      onProgress: () => undefined,
      onError: (item, error) => errors.push(`${item}: ${error}`),
    });
    return { result, log, sends, errors, journaled: journal.batches };
  } finally {
    await journal.close();
  }
}

describe('restoreEvents produce requests', () => {
  it('splits a request before its record batch outgrows the byte limit; a record alone always goes', async () => {
    // Five records of 400 kB: two fit under 900 kB, a third would not.
    const { log, sends, errors } = await run([], { valueBytes: 400_000 });
    expect(errors).toEqual([]);
    expect(sends).toEqual([2, 2, 1]);
    expect(log.map((m) => (m.value as Buffer)[0])).toEqual([0, 1, 2, 3, 4]);
    const alone = await run([], { valueBytes: 400_000, produceBatchBytes: 100_000 });
    expect(alone.sends).toEqual([1, 1, 1, 1, 1]);
  });
});

describe('restoreEvents produce retries', () => {
  it('retries a send that kafkajs failed with KafkaJSNumberOfRetriesExceeded wrapping KafkaJSMetadataNotLoaded (fresh target)', async () => {
    const notLoaded = () => new KafkaJSNumberOfRetriesExceeded(new KafkaJSMetadataNotLoaded('Producing to topic without metadata'), { retryCount: 0, retryTime: 100 });
    const { result, log, errors, journaled } = await run([notLoaded(), notLoaded()]);
    expect(errors).toEqual([]);
    expect(result.produceFailures).toBe(0);
    expect(log.map((m) => String(m.value))).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
    expect(journaled.map((l) => [l.from, l.to, l.count])).toEqual([['0', '4', 5]]);
  });

  it('does not repeat a send that may have landed (the idempotent producer retries those inside kafkajs); the partition stops unjournaled', async () => {
    const lost = () => new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('Connection error: ECONNRESET'), { retryCount: 0, retryTime: 100 });
    const { result, log, errors, journaled } = await run([lost()]);
    expect(result.produceFailures).toBe(1);
    expect(log).toEqual([]);
    expect(errors.join('\n')).toContain('retriable: KafkaJSConnectionError: Connection error: ECONNRESET');
    expect(journaled).toEqual([]);
  });

  it('mayRetryProduce: only what never reached the log', () => {
    expect(mayRetryProduce({ kind: 'retriable-before-send', root: '' })).toBe(true);
    for (const kind of ['retriable', 'auth', 'fatal'] as const) expect(mayRetryProduce({ kind, root: '' })).toBe(false);
  });
});
