import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonObservability } from '../../../src/app/daemon-observability.js';
import type { PairWorker } from '../../../src/backup/pair-worker.js';
import { loadConfig, type Config } from '../../../src/config/load-config.js';
import type { DaemonHealth } from '../../../src/observability/daemon-health.js';
import type { Readiness } from '../../../src/observability/health-server.js';
import type { DaemonState } from '../../../src/observability/readiness.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { manifestOnlyPipeline } from '../../../src/streams/stream-pipeline.js';
import { capturedLogger } from '../../helpers/captured-logger.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';
import { parseMetrics } from '../../helpers/prometheus-text.js';
import { until } from '../../helpers/until.js';

function config(env: Record<string, string> = {}): Config {
  const loaded = loadConfig({ STREAMVAULT_S3_BUCKET: 'backup-bucket', STREAMVAULT_KAFKA_BROKERS: 'b1:9092', STREAMVAULT_KAFKA_CONNECT_TIMEOUT_SECONDS: '10', ...env });
  if (!loaded.ok) throw new Error(`expected a valid configuration, got ${JSON.stringify(loaded.problems)}`);
  return loaded.config;
}

function worker(silentForMs: number | undefined) {
  return {
    pair: { source: 'samples', event: 'sourced', topic: 'samples.sourced' },
    state: 'running',
    stats: { consumed: 4, backedUp: 3, malformed: 0, rejectedReferences: 0, batches: 1, bytes: 10, lastDurableAt: undefined, droppedOnRebalance: 0, droppedAfterFailure: 0 },
    buffered: () => [],
    summarizeMalformed: () => {},
    silentForMs: () => silentForMs,
  } as unknown as PairWorker;
}

/** A health server stand-in: the registry, and the readiness the daemon plugs in. */
function fakeHealth() {
  let readiness: (() => Readiness) | undefined;
  const health: DaemonHealth = {
    registry: new Registry(),
    port: undefined,
    setReadiness: (next) => void (readiness = next),
    setStarting: () => {},
    close: async () => {},
  };
  return { health, readiness: () => readiness!() };
}

let running: DaemonObservability | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

describe('DaemonObservability', () => {
  it('plugs readiness into the health server: ready once the S3 probe wrote, with metrics on its registry', async () => {
    const store = new MemoryObjectStore();
    const { lines, logger } = capturedLogger('info');
    const { health, readiness } = fakeHealth();
    let state: DaemonState = 'running';
    running = new DaemonObservability({
      config: config(),
      logger,
      store,
      layout: new KeyLayout('vault/'),
      streams: manifestOnlyPipeline(),
      admin: undefined,
      wallNow: () => Date.now(),
      health,
    });
    running.start({ daemon: { get state() { return state; } }, workers: [worker(0)] });
    await until('the first probe wrote', async () => (readiness().ready ? true : undefined), 5_000, 5);
    expect([...store.objects.keys()]).toEqual([expect.stringMatching(/^vault\/health\//)]);
    const metrics = parseMetrics(await health.registry.metrics());
    expect(metrics.get('streamvault_ready')).toBe(1);
    expect(metrics.get('streamvault_s3_writable')).toBe(1);
    expect(metrics.get('streamvault_events_backed_up_total{pair="samples/sourced"}')).toBe(3);
    expect(running.lag).toBeUndefined();
    state = 'draining';
    expect(readiness()).toEqual({ ready: false, reasons: ['daemon is draining, expected running'] });
    await running.stop();
    await running.stop();
    expect(lines.filter((l) => l.msg === 'progress')).toHaveLength(1);
  });

  it('is not ready while the brokers have not answered the consumer for longer than the connect timeout', async () => {
    const { logger } = capturedLogger('info');
    const { health, readiness } = fakeHealth();
    const problems = ['state-dir: full'];
    running = new DaemonObservability({
      config: config(),
      logger,
      store: new MemoryObjectStore(),
      layout: new KeyLayout(''),
      streams: manifestOnlyPipeline(),
      admin: undefined,
      wallNow: () => Date.now(),
      readinessProblems: { list: () => problems },
      health,
    });
    running.start({ daemon: { state: 'running' }, workers: [worker(12_400)] });
    await until('the first probe wrote', async () => (readiness().reasons.includes('S3 writability not probed yet') ? undefined : true), 5_000, 5);
    expect(readiness().reasons).toEqual(['state-dir: full', 'kafka: the brokers b1:9092 have not answered the backup\'s consumer for 12 s']);
  });
});
