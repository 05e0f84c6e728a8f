import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { orderedSteps, parsePairOrder, stepOf } from '../../../src/config/pair-order.js';

const order = (text: string) => {
  const parsed = parsePairOrder(text.split(',').filter(Boolean));
  if (parsed.kind !== 'parsed') throw new Error(parsed.errors.join('; '));
  return parsed.order;
};

describe('restore pair order', () => {
  it('puts each pair in the step of its first matching entry, and unmatched pairs last', () => {
    const o = order('system/insert,system/delete,system/*');
    expect(stepOf(o, { source: 'system', event: 'insert' })).toBe(0);
    expect(stepOf(o, { source: 'system', event: 'delete' })).toBe(1);
    expect(stepOf(o, { source: 'system', event: 'status' })).toBe(2);
    expect(stepOf(o, { source: 'samples', event: 'insert' })).toBe(3);
    const items = [
      { source: 'samples', event: 'sourced', partition: 0 },
      { source: 'system', event: 'delete', partition: 0 },
      { source: 'samples', event: 'sourced', partition: 1 },
      { source: 'system', event: 'insert', partition: 1 },
      { source: 'system', event: 'insert', partition: 0 },
    ];
    expect(orderedSteps(o, items)).toEqual([[items[3], items[4]], [items[1]], [items[0], items[2]]]);
    expect(orderedSteps(order(''), items)).toEqual([items]);
    expect(orderedSteps(order('*/sourced'), items)).toEqual([[items[0], items[2]], [items[1], items[3], items[4]]]);
  });

  it('refuses malformed and repeated entries, every one at once, as STREAMVAULT_RESTORE_PAIR_ORDER', () => {
    const result = loadConfig({ STREAMVAULT_S3_BUCKET: 'backup-bucket', STREAMVAULT_RESTORE_PAIR_ORDER: 'system,a/b/c,system/insert,system/insert,*/ok' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      {
        variable: 'STREAMVAULT_RESTORE_PAIR_ORDER',
        expected:
          'expected source/event entries (a name or * on each side, e.g. system/insert or samples/*), got "system"; expected source/event entries (a name or * on each side, e.g. system/insert or samples/*), got "a/b/c"; expected each entry once, got "system/insert" twice',
        received: '"system,a/b/c,system/insert,system/insert,*/ok"',
      },
    ]);
  });
});
