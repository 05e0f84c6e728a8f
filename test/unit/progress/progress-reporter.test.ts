import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ProgressReporter } from '../../../src/progress/progress-reporter.js';

function lines(stream: PassThrough): Array<Record<string, unknown>> {
  const text = (stream.read() as Buffer | null)?.toString() ?? '';
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('ProgressReporter', () => {
  it('writes parseable status, error and summary lines whose percent never decreases', () => {
    const out = new PassThrough();
    let clock = 0;
    const progress = new ProgressReporter({ mode: 'json', out, intervalMs: 60_000, now: () => clock });
    progress.start({ files: 4, bytes: 400 }, 'events');
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      clock += 1000;
      progress.advance(1, 100);
      seen.push(progress.status().percent_done);
      if (i === 1) progress.addTotals(2, 200); // discovered more work: the fraction would drop
    }
    progress.error('events/a.avro', 'sha256 mismatch', 'events');
    progress.advance(2, 200);
    const summary = progress.finish({ events_restored: 6 });
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]!);
    expect(summary).toMatchObject({ total_files: 6, files_done: 6, total_bytes: 600, bytes_done: 600, error_count: 1, events_restored: 6 });
    const written = lines(out);
    expect(written.map((l) => l.message_type)).toEqual(['error', 'status', 'summary']);
    expect(written[1]).toMatchObject({ percent_done: 1, seconds_remaining: 0, error_count: 1 });
  });
});
