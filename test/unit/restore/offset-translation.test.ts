import { describe, expect, it } from 'vitest';
import { describeTranslation, PartitionTranslator, translateCommittedOffset } from '../../../src/restore/offset-translation.js';

/** Restored records: original offsets with gaps (compaction, transaction markers), written contiguously from `base` in the target. */
const restored = (origins: number[], base = 0) => origins.map((o, i) => ({ origin: BigInt(o), target: BigInt(base + i) }));

describe('consumer-group offset translation (restore)', () => {
  it('maps a committed offset to the target offset of the record at it, exactly, wherever the target numbering starts', () => {
    const records = restored([0, 1, 2, 10, 11, 20], 100);
    expect(translateCommittedOffset(10n, records, 106n)).toEqual({ kind: 'record', target: 103n, originOffset: 10n });
    expect(describeTranslation(10n, translateCommittedOffset(10n, records, 106n))).toBe('exact: the record at the committed offset');
    expect(translateCommittedOffset(0n, records, 106n)).toEqual({ kind: 'record', target: 100n, originOffset: 0n });
  });

  it('a committed offset in a gap goes to the next restored record, not to an interpolated offset', () => {
    // Offsets 3..9 hold nothing in the backup (e.g. a transaction marker, aborted records).
    const records = restored([0, 1, 2, 10, 11, 20]);
    const t = translateCommittedOffset(5n, records, 6n);
    expect(t).toEqual({ kind: 'record', target: 3n, originOffset: 10n });
    expect(describeTranslation(5n, t)).toBe('next restored record: original offset 10');
    // A naive copy (5) or a proportional guess would both be wrong here.
    expect(translateCommittedOffset(12n, records, 6n)).toEqual({ kind: 'record', target: 5n, originOffset: 20n });
  });

  it('a committed offset past the last restored record goes to the target end, and says so', () => {
    const t = translateCommittedOffset(21n, restored([0, 1, 2, 10, 11, 20]), 9n);
    expect(t).toEqual({ kind: 'past-last', target: 9n, lastOriginOffset: 20n });
    expect(describeTranslation(21n, t)).toBe("beyond the last restored record (original offset 20): the target's end");
  });

  it('a partition without restored records goes to the target end', () => {
    const t = translateCommittedOffset(7n, [], 4n);
    expect(t).toEqual({ kind: 'no-records', target: 4n });
    expect(describeTranslation(7n, t)).toBe("no restored records in this partition: the target's end");
  });

  it('translates several groups in one pass over records in any order; a record restored twice counts at its first place', () => {
    const translator = new PartitionTranslator([0n, 4n, 9n, 100n]);
    for (const [origin, target] of [
      [8, 5],
      [2, 1],
      [4, 3],
      [0, 0],
      [3, 2],
      [4, 9], // the same original record again, later in the target
    ] as const) {
      translator.visit(BigInt(origin), BigInt(target));
    }
    expect(translator.lastOriginOffset).toBe(8n);
    expect([0, 1, 2, 3].map((i) => translator.translate(i, 10n))).toEqual([
      { kind: 'record', target: 0n, originOffset: 0n },
      { kind: 'record', target: 3n, originOffset: 4n },
      { kind: 'past-last', target: 10n, lastOriginOffset: 8n },
      { kind: 'past-last', target: 10n, lastOriginOffset: 8n },
    ]);
  });
});
