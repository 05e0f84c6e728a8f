import type { ConsumerConfig, EachBatchPayload, KafkaMessage } from 'kafkajs';

/**
 * A kafkajs consumer stand-in for one topic, partition 0: the test delivers fetches itself and
 * reads what was committed, sought, paused and resumed.
 */
export class FakeConsumer {
  readonly events = { GROUP_JOIN: 'group_join', CRASH: 'crash', END_BATCH_PROCESS: 'end_batch_process', FETCH: 'fetch', CONNECT: 'connect', HEARTBEAT: 'heartbeat' };
  /** Offsets the worker resolved (where kafkajs's next fetch of the partition starts, minus one). */
  readonly resolved: string[] = [];
  readonly commits: Array<{ partition: number; offset: string }> = [];
  /** Calls of run(): the first start, then one per restart. */
  runs = 0;
  config: ConsumerConfig | undefined;
  readonly seeks: Array<{ partition: number; offset: string }> = [];
  readonly #topic: string;
  readonly #listeners = new Map<string, (event: unknown) => void>();
  #eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  #seekPending = false;

  constructor(topic: string) {
    this.#topic = topic;
  }

  on(event: string, listener: (event: unknown) => void): void {
    this.#listeners.set(event, listener);
  }
  async connect(): Promise<void> {}
  async subscribe(): Promise<void> {}
  async run(options: { eachBatch: (payload: EachBatchPayload) => Promise<void> }): Promise<void> {
    this.runs += 1;
    this.#eachBatch = options.eachBatch;
    this.#listeners.get(this.events.GROUP_JOIN)?.({ payload: { memberAssignment: { [this.#topic]: [0] } } });
  }
  /** pause/resume calls in order, for the retention gap check. */
  readonly pauses: Array<{ op: 'pause' | 'resume'; partitions: number[] | undefined }> = [];
  pause(topics: Array<{ partitions?: number[] }> = []): void {
    for (const t of topics) this.pauses.push({ op: 'pause', partitions: t.partitions });
  }
  resume(topics: Array<{ partitions?: number[] }> = []): void {
    for (const t of topics) this.pauses.push({ op: 'resume', partitions: t.partitions });
  }
  /** kafkajs's CRASH event (it never restarts by itself: the worker sets restartOnFailure to false). */
  crash(error: Error): void {
    this.#listeners.get(this.events.CRASH)?.({ payload: { error, groupId: 'g', restart: false } });
  }
  async disconnect(): Promise<void> {}
  async stop(): Promise<void> {}
  async commitOffsets(offsets: Array<{ partition: number; offset: string }>): Promise<void> {
    for (const o of offsets) this.commits.push({ partition: o.partition, offset: o.offset });
  }
  seek(where: { partition: number; offset: string }): void {
    this.seeks.push({ partition: where.partition, offset: where.offset });
    this.#seekPending = true;
  }

  /** A rebalance: kafkajs joins again (same assignment) and emits GROUP_JOIN before fetching. */
  rejoin(): void {
    this.#listeners.get(this.events.GROUP_JOIN)?.({ payload: { memberAssignment: { [this.#topic]: [0] } } });
  }

  /** kafkajs's HEARTBEAT event: where the group generation (the batches' fencing token) is learnt. */
  heartbeat(groupGenerationId: number): void {
    this.#listeners.get(this.events.HEARTBEAT)?.({ payload: { groupGenerationId } });
  }

  /** A fetch of partition 0 whose records were all filtered (markers, aborted): kafkajs only reports it. */
  markers(lastOffset: number): void {
    this.#listeners.get(this.events.END_BATCH_PROCESS)?.({ payload: { topic: this.#topic, partition: 0, batchSize: 0, lastOffset: String(lastOffset) } });
  }

  /**
   * One fetch of partition 0 holding records [from, to], then offsets without records up to
   * `lastOffset`; `fetchedOffset` is the offset the fetch asked for (kafkajs's Batch has it).
   */
  async deliver(from: number, to: number, lastOffset = to, fetchedOffset = from): Promise<void> {
    this.#seekPending = false;
    const messages: KafkaMessage[] = [];
    for (let o = from; o <= to; o++) {
      messages.push({ offset: String(o), timestamp: String(1_700_000_000_000 + o), key: null, value: Buffer.from(`v${o}`), headers: {}, attributes: 0 } as KafkaMessage);
    }
    await this.#eachBatch!({
      batch: { topic: this.#topic, partition: 0, messages, lastOffset: () => String(lastOffset), fetchedOffset: String(fetchedOffset) },
      heartbeat: async () => {},
      resolveOffset: (offset: string) => void this.resolved.push(offset),
      isRunning: () => true,
      isStale: () => this.#seekPending,
    } as unknown as EachBatchPayload);
  }
}
