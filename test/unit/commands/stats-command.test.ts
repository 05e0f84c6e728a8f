import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/exit-codes.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';
import { runCliCaptured } from '../../helpers/run-cli-captured.js';
import { COMMAND_ENV, COMMAND_LAYOUT, commandBackup } from '../../helpers/command-backup.js';

const env = COMMAND_ENV;
const layout = COMMAND_LAYOUT;
const backup = () => commandBackup();

describe('streamvault stats', () => {
  it('prints the summary as text: a row per pair, the totals and the streams', async () => {
    const { store } = await backup();
    const result = await runCliCaptured(['stats'], env, { store });
    expect(result.code).toBe(ExitCode.ok);
    expect(result.err).toBe('');
    expect(result.out).toMatch(/\nsamples\/sourced +2 +6 +0 +[\d.]+ KiB +deflate +[\d.]+x +2026-01-02T03:04:05\.000Z +2026-01-02T03:04:07\.000Z\n/);
    expect(result.out).toMatch(/\nsystem\/insert +2 +6 +0 /);
    expect(result.out).toMatch(/\ntotal: 4 batches, 12 events, /);
    expect(result.out).toMatch(/\nstreams: 4 stored \([\d.]+ KiB\); 4 references to 4 distinct streams; dedup saved 0 B\n$/);
  });

  it('--json prints one document, timestamps as numbers', async () => {
    const { store, fixture } = await backup();
    const result = await runCliCaptured(['stats', '--json'], env, { store });
    expect(result.code).toBe(ExitCode.ok);
    const stats = JSON.parse(result.out) as { pairs: Array<Record<string, unknown>>; totals: Record<string, number>; streams: Record<string, number>; problems: unknown[] };
    expect(stats.pairs.map((p) => [p.source, p.event, p.batches, p.events, p.firstTimestamp, p.lastTimestamp])).toEqual([
      ['samples', 'sourced', 2, 6, Date.UTC(2026, 0, 2, 3, 4, 5), Date.UTC(2026, 0, 2, 3, 4, 7)],
      ['system', 'insert', 2, 6, Date.UTC(2026, 0, 2, 3, 4, 5), Date.UTC(2026, 0, 2, 3, 4, 7)],
    ]);
    expect(stats.totals).toMatchObject({ batches: 4, events: 12, bytes: fixture.entries.reduce((sum, e) => sum + e.bytes, 0) });
    expect(stats.streams).toMatchObject({ stored: 4, references: 4 });
    expect(stats.problems).toEqual([]);
  });

  it('exits 4 when a manifest cannot be read, and still prints the rest', async () => {
    const { store, fixture } = await backup();
    const manifest = fixture.entries[0]!.key.replace('/events/', '/manifests/').replace(/-\d{4}-\d\d-\d\d\.avro$/, '.json');
    store.objects.set(manifest, { body: Buffer.from('{ not json'), options: {} });
    const result = await runCliCaptured(['stats', '--json'], env, { store });
    expect(result.code).toBe(ExitCode.partial);
    const stats = JSON.parse(result.out) as { totals: { batches: number }; problems: Array<{ key: string }> };
    expect(stats.problems).toEqual([expect.objectContaining({ key: manifest })]);
    expect(stats.totals.batches).toBe(3);
  });

  it('refuses a location without a backup, or a missing bucket, with exit 3', async () => {
    const empty = await runCliCaptured(['stats'], env, { store: new MemoryObjectStore() });
    expect(empty).toMatchObject({ code: ExitCode.missingBackupLocation, out: '' });
    expect(empty.err).toContain('no backup in bucket memory under prefix "team/"');
    const gone = new MemoryObjectStore();
    gone.bucketPresent = false;
    const missing = await runCliCaptured(['stats'], env, { store: gone });
    expect(missing.code).toBe(ExitCode.missingBackupLocation);
    expect(missing.err).toContain('bucket memory does not exist; this command reads a backup and never creates a bucket');
  });

  it('exits 1 and says why when the store fails while reading the manifests', async () => {
    const { store } = await backup();
    store.failNext = (op, key) => (op === 'list' && key === layout.manifestsPrefix() && store.calls.filter((c) => c.op === 'list').length > 1 ? new Error('connection reset') : undefined);
    const result = await runCliCaptured(['stats'], env, { store });
    expect(result.code).toBe(ExitCode.failure);
    expect(result.err).toBe('streamvault: stats failed: connection reset\n');
  });
});
