import type { CpuSpent } from './cpu-meter.js';
import type { IdlePairsFigure } from './idle-pairs.js';

/**
 * The figures of one benchmark run, as bench/results.json holds them (field names from issue 15),
 * and the ratios derived from the measurements. Pure: unit-tested in test/unit/scripts.
 */
export interface BenchMeasurements {
  readonly backup: {
    readonly events: number;
    readonly payloadBytes: number;
    /** Daemon: group join to last durable batch. */
    readonly seconds: number;
    readonly stageReadSeconds: number;
    readonly stageEncodeSeconds: number;
    readonly stageWriteSeconds: number;
    readonly kcatSeconds: number;
  };
  readonly streams: { readonly bytes: number; readonly seconds: number; readonly bareBytes: number; readonly bareSeconds: number };
  readonly restore: { readonly events: number; readonly seconds: number; readonly bareSeconds: number };
  readonly memory: { readonly smallPeakRssBytes: number; readonly largePeakRssBytes: number; readonly blobPeakRssBytes: number };
  /** Backup runs of growing backlogs. */
  readonly growthBackup: ReadonlyArray<{ readonly events: number; readonly seconds: number; readonly peakRssBytes: number }>;
  readonly growthPlanning: ReadonlyArray<{ readonly batches: number; readonly restore_plan_seconds: number; readonly verify_seconds: number }>;
  /** Idle daemons with growing numbers of pairs (issue 17). */
  readonly pairs: readonly IdlePairsFigure[];
  /**
   * The machine's CPU (cpu-meter.ts: every process, the broker and s3rver included) over the same
   * windows as the timings above, and its background: the busy share of its cores, in cores,
   * measured idle before the stages, which computeResults takes off each window.
   */
  readonly cpu: {
    readonly backgroundBusyCores: number;
    readonly backup: { readonly daemon: CpuSpent; readonly read: CpuSpent; readonly encode: CpuSpent; readonly write: CpuSpent };
    readonly streams: { readonly pool: CpuSpent; readonly bare: CpuSpent };
    readonly restore: { readonly restore: CpuSpent; readonly bare: CpuSpent };
    /** Over the whole run: what the hypervisor gave other guests. */
    readonly run: CpuSpent & { readonly seconds: number };
  };
}

export interface BenchRun {
  readonly broker: string;
  readonly quick: boolean;
  readonly node: string;
  /** node's flags the daemon and restore processes ran with: the image's ENTRYPOINT flags. */
  readonly node_flags: readonly string[];
  readonly cores: number;
  readonly started_at: string;
  readonly blob_bytes: number;
}

/** What computeResults adds to the run's description from the CPU figures. */
export interface BenchRunCpu {
  /** Busy share of the machine's cores while the bench idled, in cores: taken off every window's CPU. */
  readonly background_busy_cores: number;
  /** CPU time the hypervisor gave other guests over the whole run, as a share of the machine's: how noisy the run was. */
  readonly steal_share: number;
}

export interface BenchResults {
  readonly run: BenchRun & BenchRunCpu;
  readonly backup: {
    readonly events_per_s: number;
    readonly mb_per_s: number;
    readonly stage_read_events_per_s: number;
    readonly stage_encode_events_per_s: number;
    readonly stage_write_events_per_s: number;
    readonly ratio_vs_stage_limit: number;
    readonly kcat_events_per_s: number;
    /** The machine's CPU per event (microseconds), of the daemon's catch-up and of each stage alone. */
    readonly cpu_us_per_event: number;
    readonly stage_read_cpu_us_per_event: number;
    readonly stage_encode_cpu_us_per_event: number;
    readonly stage_write_cpu_us_per_event: number;
    /** cores / (the stages' CPU per event, summed): the pace of the three stages sharing this machine's cores. */
    readonly shared_core_limit_events_per_s: number;
    readonly ratio_vs_shared_core_limit: number;
  };
  readonly streams: {
    readonly mb_per_s: number;
    readonly bare_put_mb_per_s: number;
    readonly ratio_vs_bare_put: number;
    readonly cpu_ms_per_mb: number;
    readonly bare_put_cpu_ms_per_mb: number;
  };
  readonly restore: {
    readonly events_per_s: number;
    readonly bare_kafkajs_producer_events_per_s: number;
    readonly ratio_vs_bare_kafkajs_producer: number;
    readonly cpu_us_per_event: number;
    readonly bare_kafkajs_producer_cpu_us_per_event: number;
  };
  readonly memory: { readonly peak_rss_mb_backlog_small: number; readonly peak_rss_mb_backlog_large: number; readonly peak_rss_mb_1gb_blob: number };
  readonly growth: {
    readonly backup: ReadonlyArray<{ readonly events: number; readonly seconds: number; readonly events_per_s: number; readonly peak_rss_mb: number }>;
    /** Seconds per event at the largest backlog over seconds per event at the smallest: 1 is linear, above 1 worse. */
    readonly backup_per_event_ratio: number;
    readonly planning: ReadonlyArray<{ readonly batches: number; readonly restore_plan_seconds: number; readonly verify_seconds: number }>;
    /** Seconds per batch (plan + verify) at the largest backup over that at the smallest. */
    readonly planning_per_batch_ratio: number;
  };
  /** An idle daemon per number of pairs: CPU share of one core, RSS, sockets, SIGTERM to exit. */
  readonly pairs: readonly IdlePairsFigure[];
}

/** The issue's targets: the table marks each figure against its own. */
export const TARGETS = {
  backupRatio: 0.8,
  streamsRatio: 0.9,
  restoreRatio: 0.8,
  peakRssMb: 200,
  /** At 500 pairs or more, idle (issue 17). */
  idlePairs: { cpuShare: 0.15, rssMb: 200, sockets: 100, sigtermSeconds: 10 },
} as const;

const MB = 1e6;

/** Rounds to 3 significant digits (and integers above 1000): figures of a noisy machine, not more. */
export function round(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  if (Math.abs(value) >= 1000) return Math.round(value);
  const digits = 2 - Math.floor(Math.log10(Math.abs(value)));
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function rate(amount: number, seconds: number): number {
  if (!(seconds > 0)) throw new RangeError(`Expected a duration above 0 seconds, got ${seconds}`);
  return amount / seconds;
}

/** Per-unit time at the largest size over that at the smallest. */
function growthRatio(points: ReadonlyArray<{ size: number; seconds: number }>): number {
  if (points.length < 2) throw new RangeError(`Expected at least 2 sizes to compare growth, got ${points.length}`);
  const sorted = [...points].sort((a, b) => a.size - b.size);
  const smallest = sorted[0]!;
  const largest = sorted[sorted.length - 1]!;
  return largest.seconds / largest.size / (smallest.seconds / smallest.size);
}

/** CPU seconds a window of `seconds` cost beyond what the idle machine (`backgroundBusyCores`) spends in as long; never below 0. */
export function cpuBeyondBackground(spent: CpuSpent, seconds: number, backgroundBusyCores: number): number {
  return Math.max(0, spent.busySeconds - backgroundBusyCores * seconds);
}

export function computeResults(m: BenchMeasurements, run: BenchRun): BenchResults {
  const b = m.backup;
  const busy = (spent: CpuSpent, seconds: number) => cpuBeyondBackground(spent, seconds, m.cpu.backgroundBusyCores);
  const perEventUs = (spent: CpuSpent, seconds: number, events: number) => (busy(spent, seconds) / events) * 1e6;
  const cpu = {
    daemon: perEventUs(m.cpu.backup.daemon, b.seconds, b.events),
    read: perEventUs(m.cpu.backup.read, b.stageReadSeconds, b.events),
    encode: perEventUs(m.cpu.backup.encode, b.stageEncodeSeconds, b.events),
    write: perEventUs(m.cpu.backup.write, b.stageWriteSeconds, b.events),
  };
  const stagesCpuUs = cpu.read + cpu.encode + cpu.write;
  if (!(stagesCpuUs > 0)) throw new RangeError(`Expected the stages to have spent CPU, got ${stagesCpuUs} us per event`);
  const sharedCoreLimit = (run.cores * 1e6) / stagesCpuUs;
  const eventsPerS = rate(b.events, b.seconds);
  const stages = {
    read: rate(b.events, b.stageReadSeconds),
    encode: rate(b.events, b.stageEncodeSeconds),
    write: rate(b.events, b.stageWriteSeconds),
  };
  const limit = Math.min(stages.read, stages.encode, stages.write);
  const streamsMbPerS = rate(m.streams.bytes / MB, m.streams.seconds);
  const bareMbPerS = rate(m.streams.bareBytes / MB, m.streams.bareSeconds);
  const restorePerS = rate(m.restore.events, m.restore.seconds);
  const bareProducerPerS = rate(m.restore.events, m.restore.bareSeconds);
  return {
    run: {
      ...run,
      background_busy_cores: round(m.cpu.backgroundBusyCores),
      steal_share: round(m.cpu.run.stealSeconds / (m.cpu.run.seconds * run.cores)),
    },
    backup: {
      events_per_s: round(eventsPerS),
      mb_per_s: round(rate(b.payloadBytes / MB, b.seconds)),
      stage_read_events_per_s: round(stages.read),
      stage_encode_events_per_s: round(stages.encode),
      stage_write_events_per_s: round(stages.write),
      ratio_vs_stage_limit: round(eventsPerS / limit),
      kcat_events_per_s: round(rate(b.events, b.kcatSeconds)),
      cpu_us_per_event: round(cpu.daemon),
      stage_read_cpu_us_per_event: round(cpu.read),
      stage_encode_cpu_us_per_event: round(cpu.encode),
      stage_write_cpu_us_per_event: round(cpu.write),
      shared_core_limit_events_per_s: round(sharedCoreLimit),
      ratio_vs_shared_core_limit: round(eventsPerS / sharedCoreLimit),
    },
    streams: {
      mb_per_s: round(streamsMbPerS),
      bare_put_mb_per_s: round(bareMbPerS),
      ratio_vs_bare_put: round(streamsMbPerS / bareMbPerS),
      cpu_ms_per_mb: round((busy(m.cpu.streams.pool, m.streams.seconds) / (m.streams.bytes / MB)) * 1e3),
      bare_put_cpu_ms_per_mb: round((busy(m.cpu.streams.bare, m.streams.bareSeconds) / (m.streams.bareBytes / MB)) * 1e3),
    },
    restore: {
      events_per_s: round(restorePerS),
      bare_kafkajs_producer_events_per_s: round(bareProducerPerS),
      ratio_vs_bare_kafkajs_producer: round(restorePerS / bareProducerPerS),
      cpu_us_per_event: round(perEventUs(m.cpu.restore.restore, m.restore.seconds, m.restore.events)),
      bare_kafkajs_producer_cpu_us_per_event: round(perEventUs(m.cpu.restore.bare, m.restore.bareSeconds, m.restore.events)),
    },
    memory: {
      peak_rss_mb_backlog_small: round(m.memory.smallPeakRssBytes / MB),
      peak_rss_mb_backlog_large: round(m.memory.largePeakRssBytes / MB),
      peak_rss_mb_1gb_blob: round(m.memory.blobPeakRssBytes / MB),
    },
    growth: {
      backup: m.growthBackup.map((g) => ({
        events: g.events,
        seconds: round(g.seconds),
        events_per_s: round(rate(g.events, g.seconds)),
        peak_rss_mb: round(g.peakRssBytes / MB),
      })),
      backup_per_event_ratio: round(growthRatio(m.growthBackup.map((g) => ({ size: g.events, seconds: g.seconds })))),
      planning: m.growthPlanning.map((g) => ({ batches: g.batches, restore_plan_seconds: round(g.restore_plan_seconds), verify_seconds: round(g.verify_seconds) })),
      planning_per_batch_ratio: round(
        growthRatio(m.growthPlanning.map((g) => ({ size: g.batches, seconds: g.restore_plan_seconds + g.verify_seconds }))),
      ),
    },
    pairs: roundPairs(m.pairs),
  };
}

/**
 * Figures whose lowest and highest value over the rounds results.json keeps beside the median:
 * the ratios the targets are about, and what they are made of.
 */
export const RANGED_FIGURES = [
  'backup.events_per_s',
  'backup.ratio_vs_stage_limit',
  'backup.ratio_vs_shared_core_limit',
  'backup.cpu_us_per_event',
  'streams.mb_per_s',
  'streams.ratio_vs_bare_put',
  'restore.events_per_s',
  'restore.ratio_vs_bare_kafkajs_producer',
  'restore.cpu_us_per_event',
  'memory.peak_rss_mb_backlog_small',
  'memory.peak_rss_mb_backlog_large',
] as const;
export type RangedFigure = (typeof RANGED_FIGURES)[number];

/** How many rounds a `--repeat` run measured, and each ranged figure's [lowest, highest] over them. */
export interface BenchRounds {
  readonly count: number;
  readonly range: Readonly<Record<RangedFigure, readonly [number, number]>>;
}

export type CombinedResults = BenchResults & { readonly rounds: BenchRounds };

/**
 * The rounds of one run as one result: every number is the median of that number over the rounds,
 * each computed within its own round (a ratio is the median of the rounds' ratios, each of a side
 * and its baseline measured back to back), so one slow moment of the shared machine moves a figure
 * less. Figures measured once (the blob, planning, the idle pairs) are the same in every round.
 */
export function combineRounds(rounds: readonly BenchResults[]): CombinedResults {
  const first = rounds[0];
  if (!first) throw new RangeError('Expected at least 1 round to combine, got 0');
  const range = Object.fromEntries(
    RANGED_FIGURES.map((path) => {
      const values = rounds.map((r) => figureAt(r, path));
      return [path, [Math.min(...values), Math.max(...values)] as const];
    }),
  ) as Record<RangedFigure, readonly [number, number]>;
  return { ...(medianOf(rounds, 'results') as BenchResults), rounds: { count: rounds.length, range } };
}

function figureAt(r: BenchResults, path: RangedFigure): number {
  const [section, field] = path.split('.') as [keyof BenchResults, string];
  return (r[section] as unknown as Record<string, number>)[field]!;
}

/** Numbers: the median (of an even count, the mean of the middle two); the rest: the first round's, which every round must share in shape. */
function medianOf(values: readonly unknown[], where: string): unknown {
  const first = values[0];
  if (typeof first === 'number') {
    const sorted = (values as number[]).slice().sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return round(sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2);
  }
  if (Array.isArray(first)) {
    if (values.some((v) => !Array.isArray(v) || v.length !== first.length)) {
      throw new RangeError(`Expected ${where} to hold ${first.length} entries in every round, got ${values.map((v) => (Array.isArray(v) ? v.length : typeof v)).join(', ')}`);
    }
    return first.map((_, i) => medianOf(values.map((v) => (v as unknown[])[i]), `${where}[${i}]`));
  }
  if (first !== null && typeof first === 'object') {
    return Object.fromEntries(Object.keys(first).map((key) => [key, medianOf(values.map((v) => (v as Record<string, unknown>)[key]), `${where}.${key}`)]));
  }
  return first;
}

/**
 * The table `npm run bench` prints: each figure beside its baseline and the target it is held to;
 * over several rounds, the medians, with the lowest and highest round of each ranged figure after it.
 */
export function renderTable(r: BenchResults & { readonly rounds?: BenchRounds }): string {
  const spread = (path: RangedFigure) => {
    const range = r.rounds && r.rounds.count > 1 ? r.rounds.range[path] : undefined;
    return range ? ` [${range[0]}-${range[1]}]` : '';
  };
  const rows: Array<[string, string, string, string]> = [
    ['Measure', 'streamvault', 'Baseline', 'Ratio (target)'],
    [
      'Backup catch-up, events/s',
      `${r.backup.events_per_s}${spread('backup.events_per_s')} (${r.backup.mb_per_s} MB/s)`,
      `stage limit ${Math.min(r.backup.stage_read_events_per_s, r.backup.stage_encode_events_per_s, r.backup.stage_write_events_per_s)}`,
      mark(r.backup.ratio_vs_stage_limit, TARGETS.backupRatio) + spread('backup.ratio_vs_stage_limit'),
    ],
    ['  stage read (kafkajs, no-op)', '', `${r.backup.stage_read_events_per_s}`, ''],
    ['  stage encode + deflate', '', `${r.backup.stage_encode_events_per_s}`, ''],
    ['  stage write (PutObject loop)', '', `${r.backup.stage_write_events_per_s}`, ''],
    ['  kcat (C client) read', '', `${r.backup.kcat_events_per_s}`, ''],
    [
      '  machine CPU per event, us',
      `${r.backup.cpu_us_per_event}${spread('backup.cpu_us_per_event')}`,
      `read ${r.backup.stage_read_cpu_us_per_event} + encode ${r.backup.stage_encode_cpu_us_per_event} + write ${r.backup.stage_write_cpu_us_per_event}`,
      '',
    ],
    [`  stages sharing ${r.run.cores} cores, events/s`, '', `${r.backup.shared_core_limit_events_per_s}`, `${r.backup.ratio_vs_shared_core_limit}${spread('backup.ratio_vs_shared_core_limit')}`],
    ['Streams through the pool, MB/s', `${r.streams.mb_per_s}${spread('streams.mb_per_s')}`, `bare PutObject ${r.streams.bare_put_mb_per_s}`, mark(r.streams.ratio_vs_bare_put, TARGETS.streamsRatio) + spread('streams.ratio_vs_bare_put')],
    ['  machine CPU per MB, ms', `${r.streams.cpu_ms_per_mb}`, `${r.streams.bare_put_cpu_ms_per_mb}`, ''],
    [
      'Restore, events/s',
      `${r.restore.events_per_s}${spread('restore.events_per_s')}`,
      `bare kafkajs producer ${r.restore.bare_kafkajs_producer_events_per_s}`,
      mark(r.restore.ratio_vs_bare_kafkajs_producer, TARGETS.restoreRatio) + spread('restore.ratio_vs_bare_kafkajs_producer'),
    ],
    ['  machine CPU per event, us', `${r.restore.cpu_us_per_event}${spread('restore.cpu_us_per_event')}`, `${r.restore.bare_kafkajs_producer_cpu_us_per_event}`, ''],
    ['Peak RSS, small backlog (MB)', `${r.memory.peak_rss_mb_backlog_small}${spread('memory.peak_rss_mb_backlog_small')}`, '', ''],
    [
      'Peak RSS, 10x backlog (MB)',
      `${r.memory.peak_rss_mb_backlog_large}${spread('memory.peak_rss_mb_backlog_large')}`,
      '',
      ceiling(r.memory.peak_rss_mb_backlog_large, TARGETS.peakRssMb),
    ],
    [`Peak RSS, one ${(r.run.blob_bytes / 1024 ** 3).toFixed(2)} GiB blob (MB)`, `${r.memory.peak_rss_mb_1gb_blob}`, '', ceiling(r.memory.peak_rss_mb_1gb_blob, TARGETS.peakRssMb)],
    ...r.growth.backup.map((g): [string, string, string, string] => [`Backup of ${g.events} events, s`, `${g.seconds}`, `${g.events_per_s}/s, peak RSS ${g.peak_rss_mb} MB`, '']),
    ['  time per event, largest / smallest', `${r.growth.backup_per_event_ratio}`, '', '<= ~1 is linear'],
    ...r.growth.planning.map((g): [string, string, string, string] => [
      `Plan restore / verify, ${g.batches} batches, s`,
      `${g.restore_plan_seconds} / ${g.verify_seconds}`,
      '',
      '',
    ]),
    ['  time per batch, largest / smallest', `${r.growth.planning_per_batch_ratio}`, '', '<= ~1 is linear'],
    ...pairRows(r.pairs),
  ];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: readonly string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(rows[0]!), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.slice(1).map(line)].join('\n');
}

/** The idle figures as results.json holds them: 3 significant digits. */
export function roundPairs(figures: readonly IdlePairsFigure[]): IdlePairsFigure[] {
  return figures.map((p) => ({
    pairs: p.pairs,
    idle_cpu_share: round(p.idle_cpu_share),
    rss_mb: round(p.rss_mb),
    sockets: p.sockets,
    sigterm_to_exit_s: round(p.sigterm_to_exit_s),
  }));
}

/** One row per idle daemon; the targets hold from 500 pairs on. */
export function pairRows(figures: readonly IdlePairsFigure[]): Array<[string, string, string, string]> {
  const t = TARGETS.idlePairs;
  return figures.map((p) => {
    const over = [
      p.idle_cpu_share >= t.cpuShare ? 'cpu' : '',
      p.rss_mb >= t.rssMb ? 'rss' : '',
      p.sockets >= t.sockets ? 'sockets' : '',
      p.sigterm_to_exit_s >= t.sigtermSeconds ? 'sigterm' : '',
    ].filter(Boolean);
    const target = p.pairs >= 500 ? `< ${t.cpuShare} / ${t.rssMb} / ${t.sockets} / ${t.sigtermSeconds}${over.length > 0 ? `, over: ${over.join(' ')}` : ''}` : '';
    return [
      `Idle, ${p.pairs} pairs: CPU / RSS MB / sockets / SIGTERM s`,
      `${p.idle_cpu_share} / ${p.rss_mb} / ${p.sockets} / ${p.sigterm_to_exit_s}`,
      '',
      target,
    ];
  });
}

function mark(ratio: number, target: number): string {
  return `${ratio} (>= ${target}${ratio >= target ? '' : ', short'})`;
}

function ceiling(mb: number, limit: number): string {
  return `< ${limit}${mb < limit ? '' : ', over'}`;
}
