import type { Admin } from 'kafkajs';
import { PassThrough } from 'node:stream';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { prepareBackupWatch, type BackupWatch, type BackupWatchDeps } from '../../../src/app/backup-watch.js';
import type { BackupDaemon } from '../../../src/backup/backup-daemon.js';
import { StopRequests } from '../../../src/backup/stop-requests.js';
import type { PairWorker } from '../../../src/backup/pair-worker.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { ExitCode } from '../../../src/exit-codes.js';
import type { DaemonHealth } from '../../../src/observability/daemon-health.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { manifestOnlyPipeline } from '../../../src/streams/stream-pipeline.js';
import { capturedLogger } from '../../helpers/captured-logger.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const pair = { source: 'samples', event: 'sourced', topic: 'samples.sourced' };

/** The backup brokers' admin client: partition 0 of the pair's topic ends at `end`, the group committed `committed`. */
function fakeAdmin(options: { connect?: Error; end?: string; committed?: string }) {
  const calls: string[] = [];
  const admin = {
    connect: async () => {
      calls.push('connect');
      if (options.connect) throw options.connect;
    },
    disconnect: async () => void calls.push('disconnect'),
    fetchTopicOffsets: async () => [{ partition: 0, offset: options.end ?? '0', high: options.end ?? '0', low: '0' }],
    fetchOffsets: async () => [{ topic: pair.topic, partitions: [{ partition: 0, offset: options.committed ?? '-1', metadata: null }] }],
  };
  return { admin: admin as unknown as Admin, calls };
}

function setup(admin: Admin) {
  const loaded = loadConfig({ STREAMVAULT_S3_BUCKET: 'backup', STREAMVAULT_KAFKA_BROKERS: 'b1:9092', STREAMVAULT_SOURCES: 'samples', STREAMVAULT_EVENT_TYPES: 'sourced', STREAMVAULT_EXTRA_PAIRS: '', STREAMVAULT_OFFSETS_INTERVAL_SECONDS: '0', STREAMVAULT_VALIDATION_INTERVAL_SECONDS: '0' });
  if (!loaded.ok) throw new Error(`expected a valid configuration, got ${JSON.stringify(loaded.problems)}`);
  const stdout = new PassThrough();
  const out: string[] = [];
  stdout.on('data', (c: Buffer) => out.push(c.toString()));
  const stopRequests = new StopRequests();
  const daemon = { state: 'running' } as unknown as BackupDaemon;
  const worker = {
    pair,
    state: 'running',
    stats: { consumed: 0, backedUp: 0, malformed: 0, rejectedReferences: 0, batches: 0, bytes: 0, lastDurableAt: undefined, droppedOnRebalance: 0, droppedAfterFailure: 0 },
    buffered: () => [],
    summarizeMalformed: () => {},
    silentForMs: () => 0,
  } as unknown as PairWorker;
  const health: DaemonHealth = { registry: new Registry(), port: undefined, setReadiness: () => {}, setStarting: () => {}, close: async () => {} };
  const { lines, logger } = capturedLogger('info');
  const deps: BackupWatchDeps = {
    cli: { env: {}, stdout, stderr: new PassThrough(), isTTY: false },
    config: loaded.config,
    logger,
    store: new MemoryObjectStore(),
    layout: new KeyLayout(''),
    streams: manifestOnlyPipeline(),
    stops: stopRequests,
    health,
    admin,
  };
  const run = { daemon, workers: [worker] };
  return { deps, run, stops: () => (stopRequests.reason ? [stopRequests.reason.kind] : []), lines, stdout: () => out.join('') };
}

let watch: BackupWatch | undefined;
afterEach(async () => {
  await watch?.close();
  watch = undefined;
});

describe('prepareBackupWatch', () => {
  it('without --once goes on without consumer lag when the admin client cannot connect, and hands the daemon\'s code back', async () => {
    const { admin, calls } = fakeAdmin({ connect: new Error('connect ECONNREFUSED') });
    const { deps, run, lines } = setup(admin);
    const attached = await prepareBackupWatch(deps, {});
    expect(attached.kind).toBe('prepared');
    if (attached.kind !== 'prepared') return;
    watch = attached.watch;
    expect(watch.observers).toHaveLength(1);
    expect(lines.some((l) => l.level === 'warn' && l.msg === 'Kafka admin client unavailable; consumer lag is not reported')).toBe(true);
    expect(await watch.start(run).finish(ExitCode.stateDirUnusable)).toBe(ExitCode.stateDirUnusable);
    await watch.close();
    await watch.close();
    // Never connected: nothing to disconnect.
    expect(calls).toEqual(['connect']);
  });

  it('--once refuses to start without the end offsets from the brokers, saying which brokers', async () => {
    const { admin, calls } = fakeAdmin({ connect: new Error('connect ECONNREFUSED 127.0.0.1:9092') });
    const { deps } = setup(admin);
    const attached = await prepareBackupWatch(deps, { once: true });
    expect(attached).toEqual({ kind: 'refused', exitCode: ExitCode.failure, message: expect.stringMatching(/^backup --once needs the end offsets from the Kafka brokers b1:9092: .*ECONNREFUSED/) });
    expect(calls).toEqual(['connect', 'disconnect']);
  });

  it('--once with nothing to back up stops the daemon at once and ends ok, saying so on stdout', async () => {
    const { admin, calls } = fakeAdmin({ end: '10', committed: '10' });
    const { deps, run, stops, stdout } = setup(admin);
    const attached = await prepareBackupWatch(deps, { once: true });
    if (attached.kind !== 'prepared') throw new Error(`expected prepared, got ${attached.message}`);
    watch = attached.watch;
    // The tracker is the first of the workers' observers; the stop is asked for once watching starts.
    expect(watch.observers).toHaveLength(2);
    expect(stops()).toEqual([]);
    const running = watch.start(run);
    expect(stops()).toEqual(['done']);
    expect(await running.finish(ExitCode.ok)).toBe(ExitCode.ok);
    expect(stdout()).toMatch(/^backup --once: 0\/0 events backed up in [\d.]+ s\n$/);
    expect(calls.at(-1)).toBe('disconnect');
  });

  it('--once is partial when a partition fell short of the end offset recorded at start', async () => {
    const { admin } = fakeAdmin({ end: '10', committed: '4' });
    const { deps, run, stops, stdout } = setup(admin);
    const attached = await prepareBackupWatch(deps, { once: true });
    if (attached.kind !== 'prepared') throw new Error(`expected prepared, got ${attached.message}`);
    watch = attached.watch;
    const running = watch.start(run);
    expect(stops()).toEqual([]);
    expect(await running.finish(ExitCode.ok)).toBe(ExitCode.partial);
    expect(stdout()).toMatch(/^backup --once: 0\/6 events backed up in [\d.]+ s; 1 partition\(s\) fell short of their end offset\n$/);
  });
});
