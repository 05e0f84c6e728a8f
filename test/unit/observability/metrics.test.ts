import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerBackupMetrics, type MetricsSources, type MetricsWorker, type PairWorkerStats, type PartitionGapStats } from '../../../src/observability/metrics.js';
import { readStreamStats, type StreamStatsSnapshot } from '../../../src/observability/stream-stats.js';
import { parseMetrics } from '../../helpers/prometheus-text.js';

function fakeWorker(source: string, event: string): MetricsWorker & { stats: PairWorkerStats; ages: number[]; gaps: PartitionGapStats[] } {
  const worker = {
    pair: { source, event, topic: `${source}.${event}` },
    stats: { consumed: 0, backedUp: 0, malformed: 0, rejectedReferences: 0, batches: 0, bytes: 0, lastDurableAt: undefined, droppedOnRebalance: 0, droppedAfterFailure: 0 } as PairWorkerStats,
    state: 'running' as const,
    ages: [] as number[],
    gaps: [] as PartitionGapStats[],
    buffered() {
      return worker.ages.map((ageMs, partition) => ({ partition, events: 2, ageMs }));
    },
    retentionGaps() {
      return worker.gaps;
    },
  };
  return worker;
}

/** A registry with the daemon's metrics and a scrape of its Prometheus text, parsed. */
function registered(sources: Partial<MetricsSources> & Pick<MetricsSources, 'workers'>) {
  const registry = new Registry();
  const metrics = registerBackupMetrics(registry, {
    offsets: () => [],
    streams: () => undefined,
    ready: () => true,
    s3Writable: () => undefined,
    wallNow: () => 0,
    startedAt: 0,
    processMetrics: false,
    ...sources,
  });
  return { metrics, registry, scrape: async () => parseMetrics(await registry.metrics()) };
}

describe('backup metrics', () => {
  it('report what the workers, lag poll, stream pipeline and validation report', async () => {
    const a = fakeWorker('samples', 'sourced');
    const b = fakeWorker('system', 'insert');
    let now = 1_000_000;
    let ready = true;
    const pipeline = {
      stats: { referenced: 20, rejected: 0, uploadedBytes: 300, consecutiveFailures: 0, uploaded: 3, deduped: 2, missing: 1, failed: 0, queued: 4, running: 1, pending: 5, failedList: 1, hitCacheHits: 7 },
    };
    const { metrics, scrape } = registered({
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
      ready: () => ready,
      s3Writable: () => true,
      wallNow: () => now,
      startedAt: now - 5000,
    });

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
    expect(m.get('streamvault_s3_writable')).toBe(1);

    // Counters mirror growth across scrapes and never double count.
    a.stats.consumed = 20;
    pipeline.stats.uploaded = 8;
    ready = false;
    const again = await scrape();
    expect(again.get('streamvault_events_consumed_total{pair="samples/sourced"}')).toBe(20);
    expect(again.get('streamvault_streams_uploaded_total')).toBe(8);
    expect(again.get('streamvault_ready')).toBe(0);
  });

  it('has no S3-writable sample before the first probe, and no stream gauges without a stream pipeline, rather than a 0 that means something', async () => {
    let writable: boolean | undefined;
    const { scrape } = registered({ workers: [fakeWorker('samples', 'sourced')], s3Writable: () => writable });
    const before = await scrape();
    expect(before.has('streamvault_s3_writable')).toBe(false);
    for (const gauge of ['streamvault_stream_pool_running', 'streamvault_filecache_pending', 'streamvault_stream_destination_paused', 'streamvault_filecache_failed_oldest_age_seconds']) {
      expect(before.has(gauge), gauge).toBe(false);
    }
    writable = false;
    expect((await scrape()).get('streamvault_s3_writable')).toBe(0);
    writable = true;
    expect((await scrape()).get('streamvault_s3_writable')).toBe(1);
  });

  it('has no lag series before the first poll, and drops those of partitions the poll no longer reports', async () => {
    const a = fakeWorker('samples', 'sourced');
    let partitions = [{ partition: 0, low: '0', end: '10', committed: '7', lag: 3 }, { partition: 1, low: '0', end: '4', committed: '4', lag: 0 }];
    let polled = false;
    const { scrape } = registered({ workers: [a], offsets: () => (polled ? [{ pair: a.pair, groupIds: ['g'], partitions }] : []) });
    const lagSeries = async () => [...(await scrape()).entries()].filter(([n]) => n.startsWith('streamvault_consumer_lag'));
    expect(await lagSeries()).toEqual([]);
    polled = true;
    expect((await lagSeries()).length).toBe(2);
    partitions = partitions.slice(1);
    expect(await lagSeries()).toEqual([['streamvault_consumer_lag{pair="samples/sourced",topic="samples.sourced",partition="1"}', 0]]);
  });

  it('a mirrored counter never goes down when its source does (a restarted count is not subtracted)', async () => {
    const a = fakeWorker('samples', 'sourced');
    const { scrape } = registered({ workers: [a] });
    a.stats.consumed = 10;
    await scrape();
    a.stats.consumed = 3;
    expect((await scrape()).get('streamvault_events_consumed_total{pair="samples/sourced"}')).toBe(10);
    a.stats.consumed = 12;
    expect((await scrape()).get('streamvault_events_consumed_total{pair="samples/sourced"}')).toBe(12);
  });

  it('reports retention gaps per partition, and the age of the oldest failed stream', async () => {
    const a = fakeWorker('samples', 'sourced');
    a.gaps = [{ partition: 2, gaps: 1, offsets: 40n }];
    let streams: StreamStatsSnapshot = { failedList: 1, failedOldestAt: 10_000 };
    const { scrape } = registered({ workers: [a], streams: () => streams, wallNow: () => 70_000 });
    const m = await scrape();
    expect(m.get('streamvault_retention_gaps_total{pair="samples/sourced",topic="samples.sourced",partition="2"}')).toBe(1);
    expect(m.get('streamvault_retention_gap_offsets_total{pair="samples/sourced",topic="samples.sourced",partition="2"}')).toBe(40);
    expect(m.get('streamvault_filecache_failed_oldest_age_seconds')).toBe(60);
    streams = { failedList: 0 };
    expect((await scrape()).get('streamvault_filecache_failed_oldest_age_seconds')).toBe(0);
  });

  it('a failed validation run counts as a run and its time, checking nothing', async () => {
    const { metrics, scrape } = registered({ workers: [], wallNow: () => 5_000 });
    metrics.recordValidation({ kind: 'ok', checked: 4, bytes: 10 });
    metrics.recordValidation({ kind: 'failed', error: 'bucket unreachable' });
    const m = await scrape();
    expect(m.get('streamvault_validation_runs_total{result="ok"}')).toBe(1);
    expect(m.get('streamvault_validation_runs_total{result="failed"}')).toBe(1);
    expect(m.get('streamvault_validation_objects_checked_total')).toBe(4);
    expect(m.get('streamvault_validation_last_damaged_objects')).toBe(0);
    expect(m.get('streamvault_validation_last_run_timestamp_seconds')).toBe(5);
  });
});
