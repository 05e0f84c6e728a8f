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

export interface BenchResults {
  readonly run: BenchRun;
  readonly backup: {
    readonly events_per_s: number;
    readonly mb_per_s: number;
    readonly stage_read_events_per_s: number;
    readonly stage_encode_events_per_s: number;
    readonly stage_write_events_per_s: number;
    readonly ratio_vs_stage_limit: number;
    readonly kcat_events_per_s: number;
  };
  readonly streams: { readonly mb_per_s: number; readonly bare_put_mb_per_s: number; readonly ratio_vs_bare_put: number };
  readonly restore: { readonly events_per_s: number; readonly bare_kafkajs_producer_events_per_s: number; readonly ratio_vs_bare_kafkajs_producer: number };
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

export function computeResults(m: BenchMeasurements, run: BenchRun): BenchResults {
  const b = m.backup;
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
    run,
    backup: {
      events_per_s: round(eventsPerS),
      mb_per_s: round(rate(b.payloadBytes / MB, b.seconds)),
      stage_read_events_per_s: round(stages.read),
      stage_encode_events_per_s: round(stages.encode),
      stage_write_events_per_s: round(stages.write),
      ratio_vs_stage_limit: round(eventsPerS / limit),
      kcat_events_per_s: round(rate(b.events, b.kcatSeconds)),
    },
    streams: { mb_per_s: round(streamsMbPerS), bare_put_mb_per_s: round(bareMbPerS), ratio_vs_bare_put: round(streamsMbPerS / bareMbPerS) },
    restore: {
      events_per_s: round(restorePerS),
      bare_kafkajs_producer_events_per_s: round(bareProducerPerS),
      ratio_vs_bare_kafkajs_producer: round(restorePerS / bareProducerPerS),
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

/** The table `npm run bench` prints: each figure beside its baseline and the target it is held to. */
export function renderTable(r: BenchResults): string {
  const rows: Array<[string, string, string, string]> = [
    ['Measure', 'streamvault', 'Baseline', 'Ratio (target)'],
    [
      'Backup catch-up, events/s',
      `${r.backup.events_per_s} (${r.backup.mb_per_s} MB/s)`,
      `stage limit ${Math.min(r.backup.stage_read_events_per_s, r.backup.stage_encode_events_per_s, r.backup.stage_write_events_per_s)}`,
      mark(r.backup.ratio_vs_stage_limit, TARGETS.backupRatio),
    ],
    ['  stage read (kafkajs, no-op)', '', `${r.backup.stage_read_events_per_s}`, ''],
    ['  stage encode + deflate', '', `${r.backup.stage_encode_events_per_s}`, ''],
    ['  stage write (PutObject loop)', '', `${r.backup.stage_write_events_per_s}`, ''],
    ['  kcat (C client) read', '', `${r.backup.kcat_events_per_s}`, ''],
    ['Streams through the pool, MB/s', `${r.streams.mb_per_s}`, `bare PutObject ${r.streams.bare_put_mb_per_s}`, mark(r.streams.ratio_vs_bare_put, TARGETS.streamsRatio)],
    [
      'Restore, events/s',
      `${r.restore.events_per_s}`,
      `bare kafkajs producer ${r.restore.bare_kafkajs_producer_events_per_s}`,
      mark(r.restore.ratio_vs_bare_kafkajs_producer, TARGETS.restoreRatio),
    ],
    ['Peak RSS, small backlog (MB)', `${r.memory.peak_rss_mb_backlog_small}`, '', ''],
    ['Peak RSS, 10x backlog (MB)', `${r.memory.peak_rss_mb_backlog_large}`, '', ceiling(r.memory.peak_rss_mb_backlog_large, TARGETS.peakRssMb)],
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
