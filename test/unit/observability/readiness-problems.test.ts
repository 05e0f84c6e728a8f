import { describe, expect, it } from 'vitest';
import { readinessOf } from '../../../src/observability/readiness.js';
import { ReadinessProblems } from '../../../src/observability/readiness-problems.js';

describe('readiness problems', () => {
  it('fail /readyz with each reason while set, and only while set', () => {
    let now = Date.parse('2026-06-01T00:00:00Z');
    const problems = new ReadinessProblems(() => now);
    const readiness = () =>
      readinessOf({ daemonState: () => 'running', workers: [], s3: () => ({ kind: 'ok', at: now }), problems: () => problems.list() });
    expect(readiness()).toEqual({ ready: true, reasons: [] });
    problems.set('state-dir', 'the state directory is full (ENOSPC)');
    now += 5_000;
    problems.set('state-dir', 'the state directory is full (ENOSPC), still');
    problems.set('partition samples.sourced/3', 'batch at offset 120 failing for 300 s');
    expect(readiness()).toEqual({
      ready: false,
      reasons: [
        'partition samples.sourced/3: batch at offset 120 failing for 300 s (since 2026-06-01T00:00:05.000Z)',
        'state-dir: the state directory is full (ENOSPC), still (since 2026-06-01T00:00:00.000Z)',
      ],
    });
    problems.clear('state-dir');
    problems.clear('partition samples.sourced/3');
    expect(readiness().ready).toBe(true);
  });
});
