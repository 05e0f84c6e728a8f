import { describe, expect, it } from 'vitest';
import { configOf, expectIntegerRange, problemOf, valueOf } from '../../../helpers/config-variables.js';

describe('offset snapshot variables', () => {
  it('default to a snapshot every 60 s of every group (an empty list)', () => {
    const c = configOf();
    expect([c.OFFSETS_INTERVAL_SECONDS, c.OFFSETS_GROUPS]).toEqual([60, []]);
  });

  it('take 0 (no snapshots) up to a day', () => {
    expectIntegerRange('OFFSETS_INTERVAL_SECONDS', 0, 86_400);
  });

  it('take group ids and * patterns, comma-separated', () => {
    expect(valueOf('OFFSETS_GROUPS', 'billing-*, app.v2_reader ,*')).toEqual(['billing-*', 'app.v2_reader', '*']);
  });

  it('refuse each group that is not [A-Za-z0-9._-] and *, showing it cut to 100 characters', () => {
    const problem = problemOf('OFFSETS_GROUPS', 'ok,bad group,a/b');
    expect(problem.expected).toBe(
      'expected group ids or patterns of [A-Za-z0-9._-] and * (any characters), got "bad group"; expected group ids or patterns of [A-Za-z0-9._-] and * (any characters), got "a/b"',
    );
    const long = `${'g'.repeat(250)}`;
    expect(problemOf('OFFSETS_GROUPS', long).expected).toBe(`expected group ids or patterns of [A-Za-z0-9._-] and * (any characters), got "${'g'.repeat(100)}"`);
  });
});
