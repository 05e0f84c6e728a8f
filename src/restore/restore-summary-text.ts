import { ExitCode } from '../exit-codes.js';
import { formatBytes } from '../output/format-bytes.js';
import { formatDuration } from '../output/format-duration.js';
import type { StatusMessage } from '../output/progress-messages.js';
import type { RestoreOutcome } from './restore-runner.js';

/** How a restore ended, in one word: the log message and the summary's first line say it. */
export type RestoreVerdict = 'restored' | 'partial' | 'failed' | 'aborted' | 'dry-run';

export function restoreVerdict(outcome: RestoreOutcome): RestoreVerdict {
  if (outcome.kind === 'dry-run') return 'dry-run';
  if (outcome.kind === 'aborted') return 'aborted';
  if (outcome.exitCode === ExitCode.ok) return 'restored';
  return outcome.exitCode === ExitCode.partial || outcome.exitCode === ExitCode.groupsNotEmpty ? 'partial' : 'failed';
}

const HEADLINES: Record<Exclude<RestoreVerdict, 'dry-run'>, string> = {
  restored: 'restore finished',
  partial: 'restore finished with errors',
  failed: 'restore failed',
  aborted: 'restore aborted',
};

/**
 * The end of a restore for a person (the terminal after the bar, or `kubectl logs` of a Job), the
 * way restic ends a run: what was done against what was planned, the data and the time.
 * `status` is the progress at the end (totals, done, elapsed, errors).
 */
export function restoreSummaryText(outcome: RestoreOutcome, status: StatusMessage): string {
  const verdict = restoreVerdict(outcome);
  if (outcome.kind === 'dry-run' || verdict === 'dry-run') return '';
  const took = formatDuration(status.seconds_elapsed);
  const errors = status.error_count > 0 ? `, ${status.error_count} error(s) (see the log)` : '';
  const lines = [`${HEADLINES[verdict]} after ${took} (exit code ${outcome.exitCode})${errors}`];
  if (outcome.kind === 'aborted') {
    lines.push(`  reason:  ${outcome.reason}`);
    return `${lines.join('\n')}\n`;
  }
  const { totals, events, streams, offsets } = outcome;
  if (events) {
    lines.push(
      `  events:  ${events.produced} restored of ${totals.events} planned in ${totals.batches} batch(es); ` +
        `${events.skippedPresent} already in the target, ${events.skippedByTime} outside --since/--until` +
        `${events.failedBatches > 0 ? `, ${events.failedBatches} batch(es) not restored` : ''}` +
        `${events.produceFailures > 0 ? `, ${events.produceFailures} partition(s) stopped by a produce error (rerun to continue)` : ''}`,
    );
  }
  if (streams) {
    lines.push(
      `  streams: ${streams.posted} posted of ${totals.streamPosts} planned; ${streams.alreadyRestored} restored by an earlier run, ` +
        `${streams.skippedExisting} already at the target, ${streams.failed} failed, ${streams.unavailableAtSource} unavailable at the source when backed up`,
    );
  }
  if (offsets) {
    const refused = offsets.applied?.refused ?? [];
    lines.push(
      `  offsets: ${offsets.applied?.applied.length ?? 0} consumer group(s) set from ${offsets.plan.rows.length} committed offset(s)` +
        `${refused.length > 0 ? `; refused, not empty in the target: ${refused.map((r) => r.group).join(', ')}` : ''}` +
        `${offsets.plan.topicsWithoutSnapshot.length > 0 ? `; no snapshot for ${offsets.plan.topicsWithoutSnapshot.join(', ')}` : ''}`,
    );
  }
  const rate = status.seconds_elapsed > 0 ? status.bytes_done / status.seconds_elapsed : 0;
  lines.push(
    `  data:    ${formatBytes(status.bytes_done)} of ${formatBytes(status.total_bytes)} in ${status.files_done} of ${status.total_files} object(s), ` +
      `${formatBytes(Math.round(rate))}/s`,
  );
  return `${lines.join('\n')}\n`;
}
