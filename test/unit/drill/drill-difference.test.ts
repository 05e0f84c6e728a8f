import { describe, expect, it } from 'vitest';
import { DifferenceList, type DrillDifference } from '../../../src/drill/drill-difference.js';

const missing = (offset: number): DrillDifference => ({ kind: 'record-missing', topic: 't', partition: 0, offset: String(offset) });

describe('DifferenceList', () => {
  it('shows the first differences up to its limit and counts them all, by kind', () => {
    const list = new DifferenceList(2);
    list.add(missing(1));
    list.add({ kind: 'blob-missing', sha256: 'a'.repeat(64), source: 's', label: 'l' });
    list.add(missing(2));
    list.add(missing(3));
    expect(list.total).toBe(4);
    expect(list.toJSON()).toEqual({
      total: 4,
      by_kind: { 'blob-missing': 1, 'record-missing': 3 },
      shown: [missing(1), { kind: 'blob-missing', sha256: 'a'.repeat(64), source: 's', label: 'l' }],
    });
  });

  it('lists kinds in name order, whatever order they came in', () => {
    const list = new DifferenceList(0);
    list.add({ kind: 'record-unexpected', reason: 'r', target: { topic: 't', partition: 0, offset: '0' } });
    list.add({ kind: 'backup-object-unreadable', key: 'k', reason: 'r' });
    expect(Object.keys(list.toJSON().by_kind)).toEqual(['backup-object-unreadable', 'record-unexpected']);
    expect(list.toJSON().shown).toEqual([]);
  });

  it('hands out a copy of what it shows', () => {
    const list = new DifferenceList(5);
    list.add(missing(1));
    list.toJSON().shown.push(missing(2));
    expect(list.toJSON().shown).toEqual([missing(1)]);
  });
});
