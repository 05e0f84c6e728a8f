import type { RestoreOptions } from '../../src/restore/restore-runner.js';

/** Restore options for unit tests of the runner: small batches, no hooks, no offsets; `overrides` on top. */
export function restoreOptions(stateDir: string, overrides: Partial<RestoreOptions> = {}): RestoreOptions {
  return {
    scope: { sources: [], events: [], what: 'events', sinceMs: undefined, untilMs: undefined },
    dryRun: false,
    checkMode: 'last-batch',
    forceFull: false,
    skipExistingStreams: false,
    topicTemplate: '{topic}',
    concurrency: 2,
    pairOrder: { entries: [] },
    produceBatchEvents: 100,
    produceBatchBytes: 1 << 20,
    eventsPerSecond: 0,
    bytesPerSecond: 0,
    streamRetries: 0,
    scanTimeoutMs: 1000,
    stateDir,
    identity: { backup: 's3://memory/', topicTemplate: '{topic}', streamTarget: 'none', brokers: ['target:9092'] },
    preHook: '',
    postHook: '',
    hookTimeoutMs: 1000,
    createTopics: 'false',
    idempotentProducer: 'false',
    replicationFactor: 1,
    fewerPartitions: 'refuse',
    offsets: false,
    ...overrides,
  };
}
