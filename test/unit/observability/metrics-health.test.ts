import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startHealthServer, type HealthServer } from '../../../src/observability/health-server.js';
import { createLogger } from '../../../src/observability/logger.js';
import { registerBackupMetrics, type MetricsWorker, type PairWorkerStats } from '../../../src/observability/metrics.js';
import { readinessOf, type DaemonState, type WorkerState } from '../../../src/observability/readiness.js';
import { S3WriteProbe } from '../../../src/observability/s3-write-probe.js';
import { readStreamStats } from '../../../src/observability/stream-stats.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';
import { parseMetrics } from '../../helpers/prometheus-text.js';

const logger = createLogger('silent');

function fakeWorker(source: string, event: string): MetricsWorker & { stats: PairWorkerStats; state: WorkerState; ages: number[] } {
  const worker = {
    pair: { source, event, topic: `${source}.${event}` },
    stats: { consumed: 0, backedUp: 0, malformed: 0, rejectedReferences: 0, batches: 0, bytes: 0, lastDurableAt: undefined, droppedOnRebalance: 0 } as PairWorkerStats,
    state: 'running' as WorkerState,
    ages: [] as number[],
    buffered() {
      return worker.ages.map((ageMs, partition) => ({ partition, events: 2, ageMs }));
    },
  };
  return worker;
}

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('backup metrics and health endpoints', () => {
  it('serve what the workers, lag poll, stream pipeline and validation report', async () => {
    const registry = new Registry();
    const a = fakeWorker('samples', 'sourced');
    const b = fakeWorker('system', 'insert');
    let now = 1_000_000;
    const pipeline = {
      stats: { referenced: 20, rejected: 0, uploadedBytes: 300, consecutiveFailures: 0, uploaded: 3, deduped: 2, missing: 1, failed: 0, queued: 4, running: 1, pending: 5, failedList: 1, hitCacheHits: 7 },
    };
    let daemonState: DaemonState = 'running';
    const probeStatus = { kind: 'ok' as const, at: now };
    const readiness = () => readinessOf({ daemonState: () => daemonState, workers: [a, b], s3: () => probeStatus });
    const metrics = registerBackupMetrics(registry, {
      workers: [a, b],
      offsets: () => [
        {
          pair: a.pair,
          groupIds: ['g'],
          partitions: [
            { partition: 0, low: '0', end: '10', committed: '7', lag: 3 },
            { partition: 1, low: '0', end: '4', committed: undefined, lag: 4 },
          ],
        },
      ],
      streams: () => readStreamStats(pipeline),
      ready: () => readiness().ready,
      s3Writable: () => true,
      wallNow: () => now,
      startedAt: now - 5000,
      processMetrics: false,
    });
    server = await startHealthServer({ registry, readiness, host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${server.port}`;
    const scrape = async () => parseMetrics(await (await fetch(`${url}/metrics`)).text());

    const first = await scrape();
    expect(first.get('streamvault_events_consumed_total{pair="samples/sourced"}')).toBe(0);
    expect(first.get('streamvault_seconds_since_last_durable_batch{pair="samples/sourced"}')).toBe(5);

    Object.assign(a.stats, { consumed: 12, backedUp: 10, malformed: 1, batches: 2, bytes: 900, lastDurableAt: now - 2000 });
    b.stats.consumed = 4;
    a.ages = [1500, 250];
    metrics.recordValidation({ kind: 'damaged', checked: 6, bytes: 100, damaged: [{ key: 'k', message: 'm' }] });
    now += 1000;
    const m = await scrape();
    expect(m.get('streamvault_events_consumed_total{pair="samples/sourced"}')).toBe(12);
    expect(m.get('streamvault_events_consumed_total{pair="system/insert"}')).toBe(4);
    expect(m.get('streamvault_events_backed_up_total{pair="samples/sourced"}')).toBe(10);
    expect(m.get('streamvault_malformed_events_total{pair="samples/sourced"}')).toBe(1);
    expect(m.get('streamvault_batches_total{pair="samples/sourced"}')).toBe(2);
    expect(m.get('streamvault_batch_bytes_total{pair="samples/sourced"}')).toBe(900);
    expect(m.get('streamvault_seconds_since_last_durable_batch{pair="samples/sourced"}')).toBe(3);
    expect(m.get('streamvault_oldest_unflushed_event_age_seconds{pair="samples/sourced"}')).toBe(1.5);
    expect(m.get('streamvault_unflushed_events{pair="samples/sourced"}')).toBe(4);
    expect(m.get('streamvault_consumer_lag{pair="samples/sourced",topic="samples.sourced",partition="0"}')).toBe(3);
    expect(m.get('streamvault_consumer_lag{pair="samples/sourced",topic="samples.sourced",partition="1"}')).toBe(4);
    expect(m.get('streamvault_streams_uploaded_total')).toBe(3);
    expect(m.get('streamvault_streams_deduped_total')).toBe(2);
    expect(m.get('streamvault_streams_missing_total')).toBe(1);
    expect(m.get('streamvault_streams_failed_total')).toBe(0);
    expect(m.get('streamvault_stream_pool_queue_depth')).toBe(4);
    expect(m.get('streamvault_filecache_pending')).toBe(5);
    expect(m.get('streamvault_filecache_failed')).toBe(1);
    expect(m.get('streamvault_validation_runs_total{result="damaged"}')).toBe(1);
    expect(m.get('streamvault_validation_runs_total{result="ok"}')).toBe(0);
    expect(m.get('streamvault_validation_objects_checked_total')).toBe(6);
    expect(m.get('streamvault_validation_damaged_objects_total')).toBe(1);
    expect(m.get('streamvault_ready')).toBe(1);

    // Counters mirror growth across scrapes and never double count.
    a.stats.consumed = 20;
    pipeline.stats.uploaded = 8;
    const again = await scrape();
    expect(again.get('streamvault_events_consumed_total{pair="samples/sourced"}')).toBe(20);
    expect(again.get('streamvault_streams_uploaded_total')).toBe(8);

    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    daemonState = 'draining';
    const notReady = await fetch(`${url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(((await notReady.json()) as { reasons: string[] }).reasons).toEqual(['daemon is draining, expected running']);
    expect((await scrape()).get('streamvault_ready')).toBe(0);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });

  it('reports no stream metrics for a pipeline without stats', () => {
    expect(readStreamStats({})).toBeUndefined();
  });
});

describe('S3WriteProbe', () => {
  it('fails while writes fail or hang, and recovers on the first good write', async () => {
    const store = new MemoryObjectStore();
    let now = 0;
    const probe = new S3WriteProbe({ store, key: 'health/x', intervalMs: 60_000, timeoutMs: 50, wallNow: () => now, logger });
    expect(probe.status).toEqual({ kind: 'unknown' });
    expect((await probe.probe()).kind).toBe('ok');
    expect(store.objects.has('health/x')).toBe(true);

    now = 10;
    store.failNext = () => Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error' });
    expect(await probe.probe()).toEqual({ kind: 'failed', error: 'connect ECONNREFUSED', since: 10 });

    const hanging = { ...store, put: () => new Promise<void>(() => {}) } as unknown as MemoryObjectStore;
    const slow = new S3WriteProbe({ store: hanging, key: 'health/x', intervalMs: 60_000, timeoutMs: 30, wallNow: () => now, logger });
    const result = await slow.probe();
    expect(result.kind).toBe('failed');
    if (result.kind === 'failed') expect(result.error).toMatch(/expected the probe write to finish within 30 ms/);

    now = 20;
    expect(await probe.probe()).toEqual({ kind: 'ok', at: 20 });
  });

  it('reports a recovery once, on the first good write after failures (it wakes the stream pool)', async () => {
    const store = new MemoryObjectStore();
    let recoveries = 0;
    const probe = new S3WriteProbe({ store, key: 'health/x', intervalMs: 60_000, timeoutMs: 50, wallNow: () => 0, logger, onRecovered: () => recoveries++ });
    await probe.probe();
    expect(recoveries).toBe(0);
    store.failNext = () => new Error('connect ECONNREFUSED');
    expect((await probe.probe()).kind).toBe('failed');
    expect(recoveries).toBe(0);
    expect((await probe.probe()).kind).toBe('ok');
    await probe.probe();
    expect(recoveries).toBe(1);
  });
});
