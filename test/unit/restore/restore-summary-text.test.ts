import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/exit-codes.js';
import type { StatusMessage } from '../../../src/output/progress-messages.js';
import type { GroupOffsetsPlan } from '../../../src/restore/group-offsets.js';
import type { PlanTotals } from '../../../src/restore/restore-plan.js';
import type { RestoreOutcome } from '../../../src/restore/restore-runner.js';
import { restoreSummaryText, restoreVerdict } from '../../../src/restore/restore-summary-text.js';

const totals = { events: 120, batches: 4, streamPosts: 6 } as PlanTotals;
const status: StatusMessage = {
  message_type: 'status',
  phase: 'events',
  percent_done: 1,
  total_files: 10,
  files_done: 10,
  total_bytes: 4096,
  bytes_done: 4096,
  seconds_elapsed: 64,
  seconds_remaining: 0,
  error_count: 0,
};
const events = { produced: 100, skippedPresent: 15, skippedByTime: 5, skippedByOffset: 0, nullHeaders: 0, failedBatches: 0, produceFailures: 0 };
const streams = { posted: 4, alreadyRestored: 1, skippedExisting: 1, unavailableAtSource: 0, failed: 0 };

function finished(exitCode: number, parts: Partial<Extract<RestoreOutcome, { kind: 'finished' }>> = {}): RestoreOutcome {
  return { kind: 'finished', exitCode: exitCode as never, decision: undefined, totals, streams: undefined, events: undefined, offsets: undefined, ...parts };
}

describe('restoreVerdict', () => {
  it('reads the verdict from the outcome and its exit code', () => {
    expect(restoreVerdict({ kind: 'dry-run', totals, exitCode: ExitCode.ok })).toBe('dry-run');
    expect(restoreVerdict({ kind: 'aborted', reason: 'r', exitCode: ExitCode.badConfiguration })).toBe('aborted');
    expect(restoreVerdict(finished(ExitCode.ok))).toBe('restored');
    expect(restoreVerdict(finished(ExitCode.partial))).toBe('partial');
    expect(restoreVerdict(finished(ExitCode.groupsNotEmpty))).toBe('partial');
    expect(restoreVerdict(finished(ExitCode.failure))).toBe('failed');
  });
});

describe('restoreSummaryText', () => {
  it('says nothing after a dry run (the plan was the output)', () => {
    expect(restoreSummaryText({ kind: 'dry-run', totals, exitCode: ExitCode.ok }, status)).toBe('');
  });

  it('gives the reason of an aborted restore, and no data line', () => {
    const text = restoreSummaryText({ kind: 'aborted', reason: '--partition t:9: expected ...', exitCode: ExitCode.badConfiguration }, { ...status, seconds_elapsed: 2 });
    expect(text).toBe('restore aborted after 2s (exit code 2)\n  reason:  --partition t:9: expected ...\n');
  });

  it('sums up each step done against the plan, then the data and its rate', () => {
    const text = restoreSummaryText(finished(ExitCode.ok, { events, streams }), status);
    expect(text.split('\n')).toEqual([
      'restore finished after 1m04s (exit code 0)',
      '  events:  100 restored of 120 planned in 4 batch(es); 15 already in the target, 5 outside --since/--until',
      '  streams: 4 posted of 6 planned; 1 restored by an earlier run, 1 already at the target, 0 failed, 0 unavailable at the source when backed up',
      '  data:    4.0 KiB of 4.0 KiB in 10 of 10 object(s), 64 B/s',
      '',
    ]);
  });

  it('names failed batches, stopped partitions, errors and refused consumer groups', () => {
    const plan = { rows: [{}, {}, {}], topicsWithoutSnapshot: ['old.topic'] } as unknown as GroupOffsetsPlan;
    const offsets = { plan, applied: { applied: ['g1'], refused: [{ group: 'busy', state: 'Stable', members: 2 }], errors: [] } };
    const text = restoreSummaryText(
      finished(ExitCode.partial, { events: { ...events, failedBatches: 2, produceFailures: 1 }, offsets }),
      { ...status, error_count: 3, seconds_elapsed: 0 },
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe('restore finished with errors after 0s (exit code 4), 3 error(s) (see the log)');
    expect(lines[1]).toMatch(/, 2 batch\(es\) not restored, 1 partition\(s\) stopped by a produce error \(rerun to continue\)$/);
    expect(lines[2]).toBe('  offsets: 1 consumer group(s) set from 3 committed offset(s); refused, not empty in the target: busy; no snapshot for old.topic');
    // No time elapsed: no rate to divide by.
    expect(lines[3]).toMatch(/, 0 B\/s$/);
  });
});
