import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import type { PlannedPartition } from '../../../src/restore/restore-plan.js';
import type { RestoredBatchLine } from '../../../src/restore/restore-journal.js';
import { addDigest, recordDigest, type ComparableRecord } from '../../../src/restore/restored-record.js';
import { decideResume, partitionId, type CheckMode } from '../../../src/restore/resume-decision.js';
import type { PartitionBounds, ScannedRecord, ScanRequest, TargetScan } from '../../../src/restore/target-scan.js';

const TARGET = 'target';

/** A restored record of original `orig`/0 at `offset`, written at target partition 0, offset `at`. */
function restored(offset: number, at: number, value = `v${offset}`): ScannedRecord {
  const origin = { topic: 'orig', partition: 0, offset: BigInt(offset) };
  const comparable: ComparableRecord = { origin, timestamp: String(1_000 + offset), key: null, value: Buffer.from(value), headers: {} };
  return { topic: TARGET, partition: 0, offset: BigInt(at), origin, comparable };
}

/** The target topic as a log (index = target offset from `low`), and every scan request it was asked. */
function fakeTarget(log: ScannedRecord[], low = 0n): TargetScan & { requests: ScanRequest[][] } {
  const requests: ScanRequest[][] = [];
  return {
    requests,
    bounds: async (topics) => new Map(topics.map((t) => [t, t === TARGET ? [{ low, high: low + BigInt(log.length) }] : []])),
    scan: async (asked: readonly ScanRequest[], bounds: ReadonlyMap<string, readonly PartitionBounds[]>, visit: (r: ScannedRecord) => void) => {
      requests.push([...asked]);
      let records = 0;
      for (const r of asked) {
        const b = bounds.get(r.topic)![r.partition]!;
        for (const record of log) {
          if (record.offset >= r.from && record.offset >= b.low && record.offset < b.high) {
            visit(record);
            records += 1;
          }
        }
      }
      return { records };
    },
  };
}

/** The journal line an earlier run wrote for these target records (original offsets `from..to`). */
function line(key: string, records: ScannedRecord[], after: bigint): RestoredBatchLine {
  return {
    key,
    topic: 'orig',
    partition: 0,
    targetTopic: TARGET,
    from: records[0]!.origin.offset.toString(),
    to: records.at(-1)!.origin.offset.toString(),
    count: records.length,
    digest: records.reduce((sum, r) => addDigest(sum, recordDigest(r.comparable)), 0n).toString(16),
    targets: { '0': [records[0]!.offset.toString(), records.at(-1)!.offset.toString()] },
    after: { '0': after.toString() },
  };
}

function fakeJournal(batches: RestoredBatchLine[]) {
  const journal = {
    batches,
    resets: 0,
    reset: async () => {
      journal.resets += 1;
      journal.batches = [];
    },
  };
  return journal;
}

const planned: PlannedPartition = { source: 's', event: 'e', topic: 'orig', partition: 0, batches: [] };
const id = partitionId(TARGET, 'orig', 0);

async function decide(target: ReturnType<typeof fakeTarget>, journal: ReturnType<typeof fakeJournal>, options: { mode?: CheckMode; forceFull?: boolean } = {}) {
  return decideResume({
    partitions: [planned],
    targetTopicOf: () => TARGET,
    journal,
    reader: target,
    mode: options.mode ?? 'every-batch',
    forceFull: options.forceFull ?? false,
    logger: createLogger('silent'),
  });
}

describe('decideResume', () => {
  it('without journal lines reads the whole target: a fresh run continues after the highest original offset it holds', async () => {
    // Records of an earlier run whose journal is gone (another state dir): 0..3, written out of order.
    const target = fakeTarget([restored(0, 0), restored(2, 1), restored(1, 2), restored(3, 3)]);
    const state = await decide(target, fakeJournal([]));
    expect(state.decision).toEqual({ kind: 'fresh' });
    expect(state.restoredUpTo.get(id)).toBe(3n);
    expect(target.requests).toEqual([[{ topic: TARGET, partition: 0, from: 0n }]]);
    expect(state.bounds.get(TARGET)).toEqual([{ low: 0n, high: 4n }]);
  });

  it('an empty target with no journal continues from the start (nothing restored: no entry, read as -1)', async () => {
    const state = await decide(fakeTarget([]), fakeJournal([]));
    expect(state.decision).toEqual({ kind: 'fresh' });
    expect(state.restoredUpTo.has(id)).toBe(false);
  });

  it('continues from the journal when the target holds what it says (every batch checked)', async () => {
    const log = [restored(0, 0), restored(1, 1), restored(2, 2), restored(3, 3)];
    const journal = fakeJournal([line('b1', log.slice(0, 2), 2n), line('b2', log.slice(2, 4), 4n)]);
    const state = await decide(fakeTarget(log), journal);
    expect(state.decision).toEqual({ kind: 'incremental', checkedBatches: 2, mode: 'every-batch' });
    expect(state.restoredUpTo.get(id)).toBe(3n);
    expect(journal.resets).toBe(0);
  });

  it('continues from the target, not the journal, when the target holds more (a batch produced but not journaled before a crash)', async () => {
    const log = [restored(0, 0), restored(1, 1), restored(2, 2), restored(3, 3), restored(4, 4)];
    const state = await decide(fakeTarget(log), fakeJournal([line('b1', log.slice(0, 2), 2n)]));
    expect(state.decision.kind).toBe('incremental');
    expect(state.restoredUpTo.get(id)).toBe(4n);
  });

  it('falls back to a full restore when a journaled batch is missing from the target, and continues from what the target holds', async () => {
    const earlier = [restored(0, 0), restored(1, 1), restored(2, 2), restored(3, 3)];
    const journal = fakeJournal([line('b1', earlier.slice(0, 2), 2n), line('b2', earlier.slice(2, 4), 4n)]);
    // The target topic was recreated and holds only the first batch again.
    const state = await decide(fakeTarget(earlier.slice(0, 2)), journal);
    expect(state.decision.kind).toBe('full');
    expect(state.decision.kind === 'full' && state.decision.reason).toMatch(/batch b2 .*expected the target to hold its 2 records once each, got 0/);
    expect(state.restoredUpTo.get(id)).toBe(1n);
    expect(journal.resets).toBe(1);
  });

  it('falls back to a full restore when a journaled batch is in the target with different content', async () => {
    const earlier = [restored(0, 0), restored(1, 1)];
    const journal = fakeJournal([line('b1', earlier, 2n)]);
    const state = await decide(fakeTarget([restored(0, 0), restored(1, 1, 'changed')]), journal);
    expect(state.decision).toEqual({ kind: 'full', reason: expect.stringMatching(/batch b1 .*expected the records restored before, got different content/) });
    expect(journal.resets).toBe(1);
  });

  it('counts a record restored twice as a mismatch: the target must hold each record once', async () => {
    const earlier = [restored(0, 0), restored(1, 1)];
    const state = await decide(fakeTarget([...earlier, restored(1, 2)]), fakeJournal([line('b1', earlier, 2n)]));
    expect(state.decision.kind === 'full' && state.decision.reason).toMatch(/expected the target to hold its 2 records once each, got 3/);
  });

  it('--quick reads only from the last batch\'s first target offset and checks only that batch', async () => {
    const log = [restored(0, 0), restored(1, 1), restored(2, 2), restored(3, 3), restored(4, 4)];
    const target = fakeTarget(log);
    const state = await decide(target, fakeJournal([line('b1', log.slice(0, 2), 2n), line('b2', log.slice(2, 4), 4n)]), { mode: 'last-batch' });
    expect(state.decision).toEqual({ kind: 'incremental', checkedBatches: 1, mode: 'last-batch' });
    expect(target.requests).toEqual([[{ topic: TARGET, partition: 0, from: 2n }]]);
    expect(state.restoredUpTo.get(id)).toBe(4n);
  });

  it('--quick after a failed check reads the whole target again to find where it continues', async () => {
    const log = [restored(0, 0), restored(1, 1), restored(2, 2), restored(3, 3)];
    const target = fakeTarget([...log.slice(0, 3), restored(3, 3, 'changed')]);
    const journal = fakeJournal([line('b1', log.slice(0, 2), 2n), line('b2', log.slice(2, 4), 4n)]);
    const state = await decide(target, journal, { mode: 'last-batch' });
    expect(state.decision.kind).toBe('full');
    expect(target.requests.map((r) => r[0]!.from)).toEqual([2n, 0n]);
    expect(state.restoredUpTo.get(id)).toBe(3n);
    expect(journal.resets).toBe(1);
  });

  it('--full drops the journal and reads the whole target, even when the journal would pass', async () => {
    const log = [restored(0, 0), restored(1, 1)];
    const journal = fakeJournal([line('b1', log, 2n)]);
    const target = fakeTarget(log);
    const state = await decide(target, journal, { forceFull: true });
    expect(state.decision).toEqual({ kind: 'full', reason: '--full given' });
    expect(journal.resets).toBe(1);
    expect(target.requests).toEqual([[{ topic: TARGET, partition: 0, from: 0n }]]);
    expect(state.restoredUpTo.get(id)).toBe(1n);
  });

  it('ignores journal lines of partitions outside this run\'s plan', async () => {
    const other: RestoredBatchLine = { ...line('x', [restored(0, 0)], 1n), partition: 7 };
    const state = await decide(fakeTarget([restored(0, 0)]), fakeJournal([other]));
    expect(state.decision).toEqual({ kind: 'fresh' });
  });
});
