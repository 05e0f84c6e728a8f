import { describe, expect, it } from 'vitest';
import { sharedKafkaBrokers } from '../../helpers/shared-servers.js';
import { expectedHeaders, headersAsStrings, jsonLines, makeBackup, newStateDir, origin, readTopic, restoreEnv, runRestoreCli, writeBatch, type Backup } from './restore-fixtures.js';

/** Partition 0: 0..39 and a replayed 30..59; partition 1: 0..24; partition 2: 0..9. */
async function backup(): Promise<Backup> {
  const b = await makeBackup();
  await writeBatch(b, 0, 0, 40);
  await writeBatch(b, 0, 30, 30);
  await writeBatch(b, 1, 0, 25);
  await writeBatch(b, 2, 0, 10);
  return b;
}

const summaryOf = (stdout: string) => jsonLines(stdout).find((l) => l.message_type === 'summary')!;

describe('streamvault restore --partition --from-offset --to-offset', { timeout: 300_000 }, () => {
  it('restores exactly the original offsets of the ranges (ends inclusive), a rerun adds nothing, a wider range continues where the target stands', async () => {
    const b = await backup();
    const env = restoreEnv(b, sharedKafkaBrokers(), newStateDir(), { STREAMVAULT_RESTORE_STREAM_TARGET: 'none' });
    // Across the overlap of partition 0's two objects, and one single offset of partition 1.
    const ranges = ['--partition', `${b.topic}:0`, '--from-offset', '25', '--to-offset', '45', '--partition', `${b.topic}:1`, '--from-offset', '3', '--to-offset', '3'];
    const wanted = (p: number, from: number, to: number) => b.records.filter((r) => r.partition === p && Number(r.offset) >= from && Number(r.offset) <= to);

    const first = await runRestoreCli(['--json', ...ranges], env);
    expect(first.code, first.stderr).toBe(0);
    const expected = [...wanted(0, 25, 45), ...wanted(1, 3, 3)];
    expect(expected).toHaveLength(22);
    const restored = await readTopic(sharedKafkaBrokers(), b.topic);
    expect(restored.map(origin).sort()).toEqual(expected.map((r) => `${r.partition}:${r.offset}`).sort());
    for (const r of restored) {
      const want = expected.find((e) => `${e.partition}:${e.offset}` === origin(r))!;
      expect(r.partition).toBe(want.partition);
      expect(r.key?.toString('hex') ?? null).toBe(want.key?.toString('hex') ?? null);
      expect(r.value?.toString('hex') ?? null).toBe(want.value?.toString('hex') ?? null);
      expect(r.timestamp).toBe(String(want.timestamp));
      expect(headersAsStrings(r.headers)).toEqual(expectedHeaders(want));
    }
    // In partition order: the original offsets ascend with the target offsets.
    const p0 = restored.filter((r) => r.partition === 0).sort((x, y) => Number(x.offset) - Number(y.offset)).map((r) => Number(origin(r).split(':')[1]));
    expect(p0).toEqual(wanted(0, 25, 45).map((r) => Number(r.offset)));
    expect(summaryOf(first.stdout)).toMatchObject({ events_restored: 22, error_count: 0 });

    const rerun = await runRestoreCli(['--json', ...ranges], env);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(summaryOf(rerun.stdout)).toMatchObject({ events_restored: 0 });
    expect((await readTopic(sharedKafkaBrokers(), b.topic)).length).toBe(22);

    // What a run killed at offset 45 leaves is such a prefix: a wider range continues after it, exactly once.
    const wider = await runRestoreCli(['--json', '--partition', `${b.topic}:0`, '--from-offset', '25', '--to-offset', '52'], env);
    expect(wider.code, wider.stderr).toBe(0);
    expect(summaryOf(wider.stdout)).toMatchObject({ events_restored: 7 });
    const after = await readTopic(sharedKafkaBrokers(), b.topic);
    expect(after.map(origin).sort()).toEqual([...wanted(0, 25, 52), ...wanted(1, 3, 3)].map((r) => `${r.partition}:${r.offset}`).sort());
  });

  it('refuses with exit 2 and a clear message a partition or topic not in the backup, from > to, and malformed arguments; nothing is written', async () => {
    const b = await backup();
    const env = restoreEnv(b, sharedKafkaBrokers(), newStateDir(), { STREAMVAULT_RESTORE_STREAM_TARGET: 'none' });
    const unknown = await runRestoreCli(['--partition', `${b.topic}:3`, '--from-offset', '0', '--to-offset', '5', '--partition', 'no-such-topic:0', '--from-offset', '0', '--to-offset', '1'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`--partition ${b.topic}:3: expected a partition the backup holds of ${b.topic} (0, 1, 2), got 3`);
    expect(unknown.stderr).toContain('--partition no-such-topic:0: expected a topic the backup holds');
    const reversed = await runRestoreCli(['--partition', `${b.topic}:0`, '--from-offset', '9', '--to-offset', '4'], env);
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toContain('expected from <= to, got 9 > 4');
    const malformed = await runRestoreCli(['--partition', b.topic, '--from-offset', 'x', '--to-offset', '4'], env);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain(`--partition: expected topic:partition such as orders:0, got "${b.topic}"`);
    expect(malformed.stderr).toContain('--from-offset: expected an offset (a whole number >= 0), got "x"');
    const unpaired = await runRestoreCli(['--partition', `${b.topic}:0`, '--from-offset', '1'], env);
    expect(unpaired.code).toBe(2);
    expect(unpaired.stderr).toContain('expected each --partition with one --from-offset and one --to-offset');
    expect(await readTopic(sharedKafkaBrokers(), b.topic).catch(() => [])).toEqual([]);
  });

  it('killed with SIGKILL mid-range, the rerun ends with each offset of the range exactly once and nothing outside it', async () => {
    const b = await makeBackup();
    for (let first = 0; first < 8000; first += 500) await writeBatch(b, 0, first, 500);
    // Throttled and in small requests, so the kill lands while the range is being produced.
    const env = restoreEnv(b, sharedKafkaBrokers(), newStateDir(), {
      STREAMVAULT_RESTORE_STREAM_TARGET: 'none',
      STREAMVAULT_RESTORE_EVENTS_PER_SECOND: '2500',
      STREAMVAULT_RESTORE_PRODUCE_BATCH_EVENTS: '50',
    });
    const range = ['--json', '--partition', `${b.topic}:0`, '--from-offset', '1234', '--to-offset', '6543'];
    const killed = await runRestoreCli(range, env, { afterProducingMs: 400 });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const partial = await readTopic(sharedKafkaBrokers(), b.topic);
    expect(partial.length).toBeLessThan(6543 - 1234 + 1);
    const rerun = await runRestoreCli(range, env);
    expect(rerun.code, rerun.stderr).toBe(0);
    const restored = (await readTopic(sharedKafkaBrokers(), b.topic)).sort((x, y) => Number(x.offset) - Number(y.offset));
    expect(restored.map((r) => Number(origin(r).split(':')[1]))).toEqual(Array.from({ length: 6543 - 1234 + 1 }, (_, i) => 1234 + i));
  });
});
