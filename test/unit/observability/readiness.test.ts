import { describe, expect, it } from 'vitest';
import { readinessOf, type ReadinessSources } from '../../../src/observability/readiness.js';

const running: ReadinessSources = {
  daemonState: () => 'running',
  workers: [{ pair: { source: 'samples', event: 'sourced' }, state: 'running' }],
  s3: () => ({ kind: 'ok', at: 0 }),
};

describe('readinessOf', () => {
  it('is ready while the daemon and every worker run and S3 takes writes', () => {
    expect(readinessOf(running)).toEqual({ ready: true, reasons: [] });
  });

  it('gives every reason it is not ready, each saying what it expected', () => {
    const readiness = readinessOf({
      daemonState: () => 'starting',
      workers: [
        { pair: { source: 'samples', event: 'sourced' }, state: 'running' },
        { pair: { source: 'system', event: 'insert' }, state: 'failed' },
      ],
      s3: () => ({ kind: 'failed', error: 'connect ECONNREFUSED', since: Date.UTC(2026, 5, 1) }),
      problems: () => ['state-dir: the state directory is full (ENOSPC)'],
    });
    expect(readiness).toEqual({
      ready: false,
      reasons: [
        'daemon is starting, expected running',
        'worker system/insert is failed, expected running',
        'S3 not writable since 2026-06-01T00:00:00.000Z: connect ECONNREFUSED',
        'state-dir: the state directory is full (ENOSPC)',
      ],
    });
  });

  it('is not ready before S3 was probed once', () => {
    expect(readinessOf({ ...running, s3: () => ({ kind: 'unknown' }) })).toEqual({ ready: false, reasons: ['S3 writability not probed yet'] });
  });
});
