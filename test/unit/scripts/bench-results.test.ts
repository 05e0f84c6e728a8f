import { describe, expect, it } from 'vitest';
import { combineRounds, computeResults, RANGED_FIGURES, renderTable, round, type BenchMeasurements, type BenchRun } from '../../../scripts/bench/results.js';

const run: BenchRun = { broker: 'Apache Kafka 4.1.1 (KRaft, 1 node) at 127.0.0.1:1', quick: true, node: 'v20', node_flags: ['--max-semi-space-size=2'], cores: 2, started_at: '2026-12-01T00:00:00.000Z', blob_bytes: 1024 ** 3 };

const measured: BenchMeasurements = {
  backup: { events: 10_000, payloadBytes: 20e6, seconds: 4, stageReadSeconds: 2, stageEncodeSeconds: 2.5, stageWriteSeconds: 1, kcatSeconds: 0.5 },
  streams: { bytes: 90e6, seconds: 3, bareBytes: 90e6, bareSeconds: 2 },
  restore: { events: 10_000, seconds: 5, bareSeconds: 4 },
  memory: { smallPeakRssBytes: 120e6, largePeakRssBytes: 150e6, blobPeakRssBytes: 180e6 },
  growthBackup: [
    { events: 30_000, seconds: 9, peakRssBytes: 150e6 },
    { events: 3_000, seconds: 1.5, peakRssBytes: 120e6 },
    { events: 9_000, seconds: 3, peakRssBytes: 140e6 },
  ],
  growthPlanning: [
    { batches: 2_500, restore_plan_seconds: 0.2, verify_seconds: 0.05 },
    { batches: 10_000, restore_plan_seconds: 1.5, verify_seconds: 0.5 },
  ],
  pairs: [
    { pairs: 10, idle_cpu_share: 0.0123456, rss_mb: 95.4321, sockets: 6, sigterm_to_exit_s: 1.23456 },
    { pairs: 502, idle_cpu_share: 0.2, rss_mb: 150, sockets: 7, sigterm_to_exit_s: 2 },
  ],
  // A background of 0.1 cores comes off every window: 0.4 s of the daemon's 4 s, 0.2 s of the read stage's 2 s, ...
  cpu: {
    backgroundBusyCores: 0.1,
    backup: {
      daemon: { busySeconds: 6.4, stealSeconds: 0 },
      read: { busySeconds: 1.2, stealSeconds: 0 },
      encode: { busySeconds: 4.25, stealSeconds: 0 },
      write: { busySeconds: 0.7, stealSeconds: 0 },
    },
    streams: { pool: { busySeconds: 1.8, stealSeconds: 0 }, bare: { busySeconds: 0.65, stealSeconds: 0 } },
    restore: { restore: { busySeconds: 5.5, stealSeconds: 0 }, bare: { busySeconds: 3.4, stealSeconds: 0 } },
    run: { busySeconds: 400, stealSeconds: 3, seconds: 300 },
  },
};

describe('bench results', () => {
  it('has exactly the fields issue 15 names, with ratios against the slowest stage and each baseline', () => {
    const r = computeResults(measured, run);
    expect(Object.keys(r).sort()).toEqual(['backup', 'growth', 'memory', 'pairs', 'restore', 'run', 'streams']);
    expect(r.backup).toEqual({
      events_per_s: 2500,
      mb_per_s: 5,
      stage_read_events_per_s: 5000,
      stage_encode_events_per_s: 4000,
      stage_write_events_per_s: 10_000,
      // The limit is the slowest stage (encode, 4,000/s), not the first or the fastest.
      ratio_vs_stage_limit: 0.625,
      kcat_events_per_s: 20_000,
      // (6.4 - 0.4) s over 10,000 events; the stages 100 + 400 + 60 us.
      cpu_us_per_event: 600,
      stage_read_cpu_us_per_event: 100,
      stage_encode_cpu_us_per_event: 400,
      stage_write_cpu_us_per_event: 60,
      // 2 cores over the stages' 560 us per event: what they reach sharing the cores.
      shared_core_limit_events_per_s: 3571,
      ratio_vs_shared_core_limit: 0.7,
    });
    expect(r.streams).toEqual({ mb_per_s: 30, bare_put_mb_per_s: 45, ratio_vs_bare_put: 0.667, cpu_ms_per_mb: 16.7, bare_put_cpu_ms_per_mb: 5 });
    expect(r.restore).toEqual({
      events_per_s: 2000,
      bare_kafkajs_producer_events_per_s: 2500,
      ratio_vs_bare_kafkajs_producer: 0.8,
      cpu_us_per_event: 500,
      bare_kafkajs_producer_cpu_us_per_event: 300,
    });
    expect(r.run).toMatchObject({ background_busy_cores: 0.1, steal_share: 0.005 });
    expect(r.memory).toEqual({ peak_rss_mb_backlog_small: 120, peak_rss_mb_backlog_large: 150, peak_rss_mb_1gb_blob: 180 });
  });

  it('compares time per unit at the largest size with the smallest, whatever order the sizes came in', () => {
    const r = computeResults(measured, run);
    // 9 s / 30,000 events over 1.5 s / 3,000 events: faster per event at the large size.
    expect(r.growth.backup_per_event_ratio).toBe(0.6);
    // (1.5 + 0.5) / 10,000 over (0.2 + 0.05) / 2,500: twice the time per batch, worse than linear.
    expect(r.growth.planning_per_batch_ratio).toBe(2);
    expect(r.growth.backup.map((g) => g.events)).toEqual([30_000, 3_000, 9_000]);
    expect(r.growth.backup[1]).toEqual({ events: 3_000, seconds: 1.5, events_per_s: 2000, peak_rss_mb: 120 });
  });

  it('never counts less than no CPU when the background was busier than a window', () => {
    const idle = { busySeconds: 0.1, stealSeconds: 0 };
    const r = computeResults({ ...measured, cpu: { ...measured.cpu, restore: { restore: idle, bare: idle } } }, run);
    expect([r.restore.cpu_us_per_event, r.restore.bare_kafkajs_producer_cpu_us_per_event]).toEqual([0, 0]);
    const none = { ...measured.cpu.backup, read: idle, encode: idle, write: idle };
    expect(() => computeResults({ ...measured, cpu: { ...measured.cpu, backup: none } }, run)).toThrow(/stages to have spent CPU, got 0/);
  });

  it('refuses a zero duration instead of writing Infinity into results.json', () => {
    expect(() => computeResults({ ...measured, restore: { ...measured.restore, bareSeconds: 0 } }, run)).toThrow(/above 0 seconds, got 0/);
    expect(() => computeResults({ ...measured, growthPlanning: measured.growthPlanning.slice(0, 1) }, run)).toThrow(/at least 2 sizes/);
  });

  it('keeps the idle figures per number of pairs, rounded, and marks only what is over its target from 500 pairs on', () => {
    const r = computeResults(measured, run);
    expect(r.pairs[0]).toEqual({ pairs: 10, idle_cpu_share: 0.0123, rss_mb: 95.4, sockets: 6, sigterm_to_exit_s: 1.23 });
    const table = renderTable(r);
    expect(table).toMatch(/Idle, 10 pairs: CPU \/ RSS MB \/ sockets \/ SIGTERM s\s+\| 0\.0123 \/ 95\.4 \/ 6 \/ 1\.23\s+\|\s+\|\s+\|/);
    expect(table).toContain('< 0.15 / 200 / 100 / 10, over: cpu');
  });

  it('rounds to 3 significant digits, whole numbers from 1000 up', () => {
    expect([round(12_345.6), round(123.456), round(0.123456), round(0)]).toEqual([12_346, 123, 0.123, 0]);
  });

  it('renders one table row per figure and marks what falls short of its target', () => {
    const table = renderTable(computeResults(measured, run));
    expect(table).toMatch(/\| Backup catch-up, events\/s\s+\| 2500 \(5 MB\/s\)\s+\| stage limit 4000\s+\| 0\.625 \(>= 0\.8, short\)\s+\|/);
    expect(table).toMatch(/\| Restore, events\/s\s+\| 2000\s+\| bare kafkajs producer 2500\s+\| 0\.8 \(>= 0\.8\)\s+\|/);
    expect(table).toContain('Peak RSS, one 1.00 GiB blob (MB)');
    expect(table).toMatch(/\|   machine CPU per event, us\s+\| 600\s+\| read 100 \+ encode 400 \+ write 60\s+\|/);
    expect(table).toMatch(/\|   stages sharing 2 cores, events\/s\s+\|\s+\| 3571\s+\| 0\.7\s+\|/);
    expect(table.split('\n').every((line) => line.startsWith('| ') && line.endsWith(' |'))).toBe(true);
  });

  it('combines rounds into the median of each figure, each ratio the median of the rounds\' own ratios', () => {
    // Three rounds: the daemon at 4, 2 and 5 s; the restore's bare producer at 4, 2.5 and 2 s.
    const rounds = [
      { daemon: 4, bare: 4 },
      { daemon: 2, bare: 2.5 },
      { daemon: 5, bare: 2 },
    ].map(({ daemon, bare }) => computeResults({ ...measured, backup: { ...measured.backup, seconds: daemon }, restore: { ...measured.restore, bareSeconds: bare } }, run));
    const combined = combineRounds(rounds);
    // 2500, 5000 and 2000 events/s: the median is the middle one, not the mean (3167).
    expect(combined.backup.events_per_s).toBe(2500);
    expect(combined.rounds.range['backup.events_per_s']).toEqual([2000, 5000]);
    // Ratios 0.8, 0.5 and 0.4 (restore 2000/s against 2500, 4000 and 5000): the median ratio 0.5,
    // not the median restore (2000) over the median baseline (4000).
    expect(rounds.map((r) => r.restore.ratio_vs_bare_kafkajs_producer)).toEqual([0.8, 0.5, 0.4]);
    expect(combined.restore.ratio_vs_bare_kafkajs_producer).toBe(0.5);
    expect(combined.restore.bare_kafkajs_producer_events_per_s).toBe(4000);
    // What every round shares stays as it is; arrays are combined entry by entry.
    expect(combined.run).toEqual(rounds[0]!.run);
    expect(combined.growth.backup.map((g) => g.events)).toEqual([30_000, 3_000, 9_000]);
    expect(combined.pairs).toEqual(rounds[0]!.pairs);
    expect(combined.rounds.count).toBe(3);
    expect(Object.keys(combined.rounds.range)).toEqual([...RANGED_FIGURES]);
  });

  it('takes the mean of the middle two of an even number of rounds, and refuses none or rounds of different shapes', () => {
    const a = computeResults({ ...measured, backup: { ...measured.backup, seconds: 4 } }, run);
    const b = computeResults({ ...measured, backup: { ...measured.backup, seconds: 2 } }, run);
    expect(combineRounds([a, b]).backup.events_per_s).toBe(3750);
    expect(() => combineRounds([])).toThrow(/at least 1 round/);
    const fewer = computeResults({ ...measured, growthBackup: measured.growthBackup.slice(0, 2) }, run);
    expect(() => combineRounds([a, fewer])).toThrow(/results\.growth\.backup to hold 3 entries in every round, got 3, 2/);
  });

  it('prints the lowest and highest of the ratios over several rounds, and nothing extra for one', () => {
    const slow = computeResults({ ...measured, backup: { ...measured.backup, seconds: 8 } }, run);
    const one = renderTable(combineRounds([computeResults(measured, run)]));
    expect(one).not.toContain('[');
    const three = renderTable(combineRounds([computeResults(measured, run), slow, computeResults(measured, run)]));
    expect(three).toMatch(/\| Backup catch-up, events\/s\s+\| 2500 \[1250-2500\] \(5 MB\/s\)\s+\| stage limit 4000\s+\| 0\.625 \(>= 0\.8, short\) \[0\.313-0\.625\]\s+\|/);
  });
});
