import type { ManifestReadProblem } from '../storage/manifest-reader.js';
import { describeRetentionGap, retentionGapJson, type RetentionGap } from '../storage/retention-gap.js';

/** The plan's totals of one pair (restore-plan.ts `PairTotals`). */
export interface PairCounts {
  readonly source: string;
  readonly event: string;
  readonly topic: string;
  readonly batches: number;
  /** Events after removing overlaps between batches; an upper bound when a batch straddles --since/--until. */
  readonly events: number;
  /** false: `events` is an upper bound; shown as `<=`. */
  readonly eventsExact: boolean;
  readonly bytes: number;
}

/** One pair of a restore's dry run, as shown: the plan's totals of the pair and the topic it goes to. */
export interface PlannedPairView extends PairCounts {
  readonly target_topic: string;
}

/** What a dry run would do with one target topic. */
export interface TargetTopicView {
  readonly topic: string;
  readonly partitions: number;
  readonly configs: Readonly<Record<string, string>>;
  readonly basis: 'recorded' | 'manifests';
  /** Its partitions in the target now; undefined when it is missing or the target was not reachable. */
  readonly existing: number | undefined;
  readonly action: string;
}

/** What a restore plan holds, counted (restore-plan.ts's PlanTotals adds the per-pair totals). */
export interface PlanCounts {
  readonly batches: number;
  readonly events: number;
  readonly eventBytes: number;
  readonly streams: number;
  /** One per (stream, source, label): what the target receives. */
  readonly streamPosts: number;
  readonly streamBytes: number;
  readonly missingStreams: number;
  /** Of those, recorded by the daemon as unavailable at the source (not damage). */
  readonly unavailableAtSource: number;
  /** Objects (batches + stream posts) and bytes the progress reports against. */
  readonly files: number;
  readonly bytes: number;
}

/**
 * Everything `restore --dry-run` prints, as data: the restore builds it, this module renders it
 * (one JSON line with `--json`, a table otherwise).
 */
export interface RestorePlanView {
  readonly what: string;
  readonly pairs: readonly PlannedPairView[];
  readonly totals: PlanCounts;
  readonly manifestProblems: readonly ManifestReadProblem[];
  readonly retentionGaps: readonly RetentionGap[];
  readonly targetTopics: readonly TargetTopicView[];
  /** Absent when offsets are not restored; `text` are the table's lines, `json` its JSON. */
  readonly consumerOffsets?: { readonly kind: 'planned'; readonly json: unknown; readonly text: readonly string[] } | { readonly kind: 'unavailable'; readonly reason: string };
}

export function writeRestorePlan(out: NodeJS.WritableStream, json: boolean, view: RestorePlanView): void {
  const { totals } = view;
  if (json) {
    out.write(
      `${JSON.stringify({
        message_type: 'plan',
        dry_run: true,
        what: view.what,
        pairs: view.pairs,
        batches: totals.batches,
        events: totals.events,
        event_bytes: totals.eventBytes,
        streams: totals.streams,
        stream_posts: totals.streamPosts,
        stream_bytes: totals.streamBytes,
        missing_streams: totals.missingStreams,
        streams_unavailable_at_source: totals.unavailableAtSource,
        total_files: totals.files,
        total_bytes: totals.bytes,
        manifest_problems: view.manifestProblems,
        retention_gaps: view.retentionGaps.map(retentionGapJson),
        target_topics: view.targetTopics.map((t) => ({
          topic: t.topic,
          partitions: t.partitions,
          configs: t.configs,
          basis: t.basis,
          existing_partitions: t.existing ?? null,
          action: t.action,
        })),
        ...(view.consumerOffsets ? { consumer_offsets: view.consumerOffsets.kind === 'planned' ? view.consumerOffsets.json : { unavailable: view.consumerOffsets.reason } } : {}),
      })}\n`,
    );
    return;
  }
  const lines = ['dry run: nothing is written', `${'pair'.padEnd(32)} ${'batches'.padStart(8)} ${'events'.padStart(10)} ${'bytes'.padStart(14)}  target topic`];
  for (const p of view.pairs) {
    lines.push(`${`${p.source}/${p.event}`.padEnd(32)} ${String(p.batches).padStart(8)} ${`${p.eventsExact ? '' : '<='}${p.events}`.padStart(10)} ${String(p.bytes).padStart(14)}  ${p.target_topic}`);
  }
  lines.push(`streams: ${totals.streams} (${totals.streamPosts} posts, ${totals.streamBytes} bytes${totals.missingStreams > 0 ? `, ${totals.missingStreams} missing from the backup` : ''}${totals.unavailableAtSource > 0 ? `, ${totals.unavailableAtSource} unavailable at the source when backed up` : ''})`);
  for (const t of view.targetTopics) {
    const configs = Object.entries(t.configs).map(([k, v]) => `${k}=${v}`).join(' ');
    lines.push(`target topic ${t.topic}: ${t.action}; needs ${t.partitions} partition(s) (${t.basis === 'recorded' ? 'recorded by the backup' : 'from the manifests; no topic record in the backup'})${configs ? `, configs ${configs}` : ''}`);
  }
  for (const problem of view.manifestProblems) lines.push(`unreadable manifest: ${problem.reason}`);
  if (view.consumerOffsets?.kind === 'planned') lines.push(...view.consumerOffsets.text);
  else if (view.consumerOffsets) lines.push(`consumer offsets: not translated (${view.consumerOffsets.reason})`);
  // Per pair: what the selected range lacks because it expired at the source before the backup read it.
  for (const gap of view.retentionGaps) lines.push(`retention gap (not in the backup, cannot be restored): ${describeRetentionGap(gap)}`);
  out.write(`${lines.join('\n')}\n`);
}
