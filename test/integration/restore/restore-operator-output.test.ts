// What a person sees of a restore (issue 16, item 3): in a Kubernetes Job (no terminal, no --json)
// a progress line in the log at the progress interval and a readable summary at the end; with
// --json the totals first; a failed restore never ends at 100% and is logged as failed. The built
// CLI against the shared broker, s3rver and the HTTP stream server.
import { describe, expect, it } from 'vitest';
import { withCleanup } from '../../helpers/cleanup.js';
import { sharedKafkaBrokers } from '../../helpers/shared-servers.js';
import { startStreamServer } from '../../helpers/stream-server.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { writeTopicRecord } from '../../../src/storage/topic-record.js';
import { jsonLines, makeBackup, origin, readTopic, restoreEnv, runRestoreCli, sha256, writeBatch } from './restore-fixtures.js';

interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

const logLines = (stderr: string): LogLine[] =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);

describe('streamvault restore: what the operator sees', { timeout: 120_000 }, () => {
  it('without a terminal or --json: progress lines in the log at the interval, and a summary that matches the restored topic', async () => {
    const backup = await makeBackup();
    for (let p = 0; p < 4; p++) await writeBatch(backup, p, 0, 20);
    const brokers = sharedKafkaBrokers();
    // Throttled, so the run lasts a few progress intervals (0.2 s).
    const env = restoreEnv(backup, brokers, makeTempDir('state-'), {
      STREAMVAULT_RESTORE_STREAM_TARGET: 'none',
      STREAMVAULT_RESTORE_PRODUCE_BATCH_EVENTS: '5',
      STREAMVAULT_RESTORE_EVENTS_PER_SECOND: '40',
    });
    const run = await runRestoreCli([], env);
    expect(run.code, run.stderr).toBe(0);

    const restored = await readTopic(brokers, backup.topic);
    expect(restored.map(origin).sort()).toEqual(backup.records.map((r) => `${r.partition}:${r.offset}`).sort());

    const logs = logLines(run.stderr);
    const progress = logs.filter((l) => l.msg.startsWith('restore events: '));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    for (const line of progress) {
      expect(line.level).toBe('info');
      expect(line.msg).toMatch(/^restore events: \d+\.\d% \| [0-4]\/4 objects \| [\d.]+ (B|KiB) of [\d.]+ KiB \| [\d.]+ (B|KiB)\/s \| ETA (\d+s|\d+m\d\ds|unknown) \| 0 errors$/);
      expect(line).toMatchObject({ totalFiles: 4, totalBytes: backup.entries.reduce((n, e) => n + e.bytes, 0) });
    }
    const percents = progress.map((l) => l.percentDone as number);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(logs.filter((l) => l.msg === 'restore finished')).toEqual([expect.objectContaining({ level: 'info', outcome: 'restored', exitCode: 0 })]);

    // The summary on stdout, in words, with the counts the target really holds.
    expect(run.stdout).toMatch(/^restore finished after \d+s \(exit code 0\)\n/);
    expect(run.stdout).toContain(`  events:  ${restored.length} restored of 80 planned in 4 batch(es); 0 already in the target, 0 outside --since/--until\n`);
    expect(run.stdout).toMatch(/ {2}data: {4}[\d.]+ KiB of [\d.]+ KiB in 4 of 4 object\(s\), /);
  });

  it('a failed restore: --json gives the totals first, never reaches 100%, and the log says failed, never restored', async () => {
    const backup = await makeBackup();
    const blob = Buffer.from('a stream that restores');
    await writeBatch(backup, 0, 0, 10, [{ label: 'content', content: blob, offset: 1 }]);
    // The target topic the restore creates takes no record batch at all (its header alone is 61
    // bytes): every produce request is refused, the partition stops, the restore fails (exit 1).
    await writeTopicRecord(backup.store, backup.layout, { version: 1, topic: backup.topic, partitions: 4, configs: { 'retention.ms': '-1', 'max.message.bytes': '50' }, recordedAt: new Date().toISOString() });
    const streams = withCleanup(await startStreamServer());
    const brokers = sharedKafkaBrokers();
    const env = () => restoreEnv(backup, brokers, makeTempDir('state-'), { STREAMVAULT_RESTORE_STREAM_URL: streams.baseUrl });

    const run = await runRestoreCli(['--json'], env());
    expect(run.code, run.stderr).toBe(1);
    const lines = jsonLines(run.stdout);
    const summary = lines.at(-1)!;
    expect(summary).toMatchObject({ message_type: 'summary', streams_posted: 1, events_restored: 0, exit_code: 1 });
    expect(lines[0]).toMatchObject({ message_type: 'status', percent_done: 0, files_done: 0, total_files: summary.total_files, total_bytes: summary.total_bytes });
    const statuses = lines.filter((l) => l.message_type === 'status');
    expect(statuses.at(-1)!.percent_done as number).toBeLessThan(1);
    expect(summary.files_done as number).toBe((summary.total_files as number) - 1);
    // What the run really did: the stream posted, no event restored.
    expect(streams.posted.map((p) => p.sha256)).toEqual([sha256(blob)]);
    expect(await readTopic(brokers, backup.topic)).toEqual([]);

    const logs = logLines(run.stderr);
    expect(logs.filter((l) => l.msg === 'restore failed')).toEqual([expect.objectContaining({ level: 'error', outcome: 'failed', exitCode: 1 })]);
    expect(logs.filter((l) => l.msg === 'restore finished' || l.outcome === 'restored')).toEqual([]);

    // The same failure in a Job without --json: the summary in words says failed.
    const text = await runRestoreCli([], env());
    expect(text.code, text.stderr).toBe(1);
    expect(text.stdout).toMatch(/^restore failed after \d+s \(exit code 1\), 1 error\(s\) \(see the log\)\n/);
    expect(text.stdout).toContain('  events:  0 restored of 10 planned in 1 batch(es); 0 already in the target, 0 outside --since/--until, 1 partition(s) stopped by a produce error (rerun to continue)\n');
    expect(text.stdout).toContain('  streams: 1 posted of 1 planned;');
    expect(logLines(text.stderr).filter((l) => l.level === 'error' && l.msg === 'restore failed')).toHaveLength(1);
  });

  it('a partial restore (a damaged stream, an unreadable manifest): totals first, the damaged stream not counted as done, a warning', async () => {
    const backup = await makeBackup();
    const good = Buffer.from('a stream that restores');
    const bad = Buffer.from('a stream whose backup copy is damaged');
    await writeBatch(backup, 0, 0, 10, [
      { label: 'content', content: good, offset: 1 },
      { label: 'content', content: bad, offset: 2 },
    ]);
    await backup.store.put(backup.layout.streamKey(sha256(bad)), Buffer.from('not the bytes the sha256 names'));
    const unreadable = backup.layout.manifestKey(backup.pair, 3, '0');
    await backup.store.put(unreadable, Buffer.from('{ not json'));
    const streams = withCleanup(await startStreamServer());
    const brokers = sharedKafkaBrokers();
    const run = await runRestoreCli(['--json'], restoreEnv(backup, brokers, makeTempDir('state-'), { STREAMVAULT_RESTORE_STREAM_URL: streams.baseUrl }));
    expect(run.code, run.stderr).toBe(4);

    const lines = jsonLines(run.stdout);
    const summary = lines.at(-1)!;
    expect(summary).toMatchObject({ message_type: 'summary', streams_failed: 1, streams_posted: 1, events_restored: 10, error_count: 2 });
    expect(lines[0]).toMatchObject({ message_type: 'status', percent_done: 0, files_done: 0, total_files: summary.total_files });
    expect(lines.filter((l) => l.message_type === 'error').map((l) => l.item)).toEqual(expect.arrayContaining([unreadable]));
    expect(summary.files_done as number).toBe((summary.total_files as number) - 1);
    expect(lines.filter((l) => l.message_type === 'status').at(-1)!.percent_done as number).toBeLessThan(1);
    expect(streams.posted.map((p) => p.sha256)).toEqual([sha256(good)]);
    expect(await readTopic(brokers, backup.topic)).toHaveLength(10);
    const logs = logLines(run.stderr);
    expect(logs.filter((l) => l.msg === 'restore finished with errors')).toEqual([expect.objectContaining({ level: 'warn', outcome: 'partial', exitCode: 4 })]);
  });
});
