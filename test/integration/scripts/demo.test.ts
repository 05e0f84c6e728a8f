import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSamplePairs } from '../../../scripts/testdata/sample-files.js';
import { OutputTail, spawnTied } from '../../helpers/child-process.js';

// The end-to-end proof: the demo publishes testdata, backs it up with the real daemon, stops it
// with SIGTERM, restores into an empty broker and stream store and compares everything.
const ROOT = join(import.meta.dirname, '../../..');

describe('npm run demo -- --json', () => {
  it('restores every sample event and every referenced stream, and says so on its last stdout line', async () => {
    const child = spawnTied(process.execPath, [join(ROOT, 'dist/scripts/demo.js'), '--json'], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const stderr = new OutputTail(20_000);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));

    const lines = stdout.trim().split('\n');
    // Every stdout line is JSON (the restore's progress lines, then the summary).
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const summary = parsed.at(-1)!;
    expect(code, `${stderr}`).toBe(0);

    const pairs = await listSamplePairs(join(ROOT, 'testdata'));
    const produced = pairs.reduce((sum, p) => sum + p.records.length, 0);
    expect(summary).toMatchObject({ ok: true, mismatches: 0, events_produced: produced, events_restored: produced, backup_exit_code: 0, restore_exit_code: 0 });
    expect(summary['streams_referenced']).toBeGreaterThan(0);
    expect(summary['streams_restored']).toBe(summary['streams_referenced']);
    expect(summary['dedup_saved_bytes']).toBeGreaterThan(0);
    // The shutdown was the ordered one, triggered by SIGTERM.
    expect(`${stderr}`).toMatch(/shutdown phase 1\/3[\s\S]*shutdown phase 2\/3[\s\S]*shutdown phase 3\/3[\s\S]*shutdown complete \(exit code 0\)/);
    // The restore's own progress lines came first.
    expect(parsed.some((m) => m['message_type'] === 'status')).toBe(true);
  }, 240_000);
});
