import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/exit-codes.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { acquireWriterLock } from '../../../src/storage/location-locks.js';
import { writeFixtureBackup } from '../../helpers/backup-fixture.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';
import { runCliCaptured } from '../../helpers/run-cli-captured.js';

const env = { STREAMVAULT_S3_BUCKET: 'vault', STREAMVAULT_S3_PREFIX: 'team/', STREAMVAULT_LOG_LEVEL: 'silent' };
const layout = new KeyLayout('team/');

/** The fixture's events are from 2026-01-02: `1d` prunes all of them, a century keeps them. */
async function backup(store = new MemoryObjectStore()) {
  const fixture = await writeFixtureBackup(store, layout, { batches: 1, perBatch: 3 });
  return { store, fixture, keys: [...store.objects.keys()].sort() };
}

describe('streamvault prune', () => {
  it('--dry-run lists every object it would delete and the bytes, and deletes nothing', async () => {
    const { store, keys } = await backup();
    const result = await runCliCaptured(['prune', '--keep-within', '1d', '--dry-run'], env, { store });
    expect(result.code).toBe(ExitCode.ok);
    const lines = result.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^prune: batches whose newest event is before \d{4}-\d\d-\d\dT[\d:.]+Z; 0 batch\(es\) kept$/);
    const listed = lines.slice(1, -1).map((line) => /^ {2}would delete (\S+) \((\d+) bytes\)$/.exec(line)![1]);
    expect(listed.sort()).toEqual(keys);
    const bytes = keys.reduce((sum, key) => sum + store.objects.get(key)!.body.length, 0);
    expect(lines.at(-1)).toBe(`would free ${(bytes / 1024).toFixed(1)} KiB (${bytes} bytes): 4 batch(es), 4 stream(s), 0 missing-stream marker(s), 0 offset snapshot(s); nothing was deleted (--dry-run)`);
    expect([...store.objects.keys()].sort()).toEqual(keys);
    expect(store.calls.filter((c) => c.op === 'put' && c.key.includes('locks/'))).toEqual([]);
  });

  it('--json prints the plan as one document', async () => {
    const { store, fixture } = await backup();
    const result = await runCliCaptured(['prune', '--keep-within', '5200w', '--dry-run', '--json'], env, { store });
    expect(result.code).toBe(ExitCode.ok);
    const plan = JSON.parse(result.out) as { dryRun: boolean; cutoff: string; keptBatches: number; bytes: number; deleted: Record<string, unknown[]> };
    expect(plan).toEqual({ dryRun: true, cutoff: expect.any(String), keptBatches: fixture.entries.length, bytes: 0, deleted: { batches: [], streams: [], missingMarkers: [], offsetSnapshots: [] }, problems: [] });
    expect(Date.now() - Date.parse(plan.cutoff)).toBeGreaterThan(5199 * 7 * 86_400_000);
  });

  it('deletes what is older than the window under the prune lock, and releases the lock', async () => {
    const { store, keys } = await backup();
    const result = await runCliCaptured(['prune', '--keep-within', '12h'], env, { store });
    expect(result.code).toBe(ExitCode.ok);
    expect(result.out).toContain('  deleting team/manifests/system/insert/p000001/00000000000000000000.json (');
    expect(result.out).toMatch(/\nfreed .* 4 batch\(es\), 4 stream\(s\), 0 missing-stream marker\(s\), 0 offset snapshot\(s\)\n$/);
    expect([...store.objects.keys()].filter((key) => keys.includes(key))).toEqual([]);
    expect(store.calls).toContainEqual({ op: 'put', key: layout.pruneLockKey() });
    expect(store.objects.has(layout.pruneLockKey())).toBe(false);
  });

  it('refuses with exit 8 while a backup daemon holds its writer lock, deleting nothing', async () => {
    const { store, keys } = await backup();
    const writer = await acquireWriterLock(store, layout, { now: () => new Date(), host: 'elsewhere', pid: 7 }, () => {});
    try {
      const result = await runCliCaptured(['prune', '--keep-within', '1d'], env, { store });
      expect(result.code).toBe(ExitCode.locationLocked);
      expect(result.err).toMatch(/^streamvault: prune refused: /);
      expect(result.out).toBe('');
      expect(keys.every((key) => store.objects.has(key))).toBe(true);
    } finally {
      await writer.release();
    }
  });

  it('deletes nothing and exits 4 when a manifest cannot be read', async () => {
    const { store, fixture } = await backup();
    const manifest = fixture.entries[0]!.key.replace('/events/', '/manifests/').replace(/-\d{4}-\d\d-\d\d\.avro$/, '.json');
    store.objects.set(manifest, { body: Buffer.from('{ not json'), options: {} });
    const keys = [...store.objects.keys()].sort();
    const result = await runCliCaptured(['prune', '--keep-within', '1d'], env, { store });
    expect(result.code).toBe(ExitCode.partial);
    expect(result.err).toMatch(/^streamvault: prune deleted nothing: 1 manifest\(s\) could not be read, so the streams they reference are unknown \(first: .+\); run streamvault verify\n$/);
    expect([...store.objects.keys()].filter((key) => !key.includes('locks/')).sort()).toEqual(keys);
  });

  it('warns that deletes only add delete markers on a versioned bucket', async () => {
    class Versioned extends MemoryObjectStore {
      bucketVersioning(): Promise<'Enabled' | 'Suspended' | 'Off'> {
        return Promise.resolve('Enabled');
      }
    }
    const { store } = await backup(new Versioned());
    const result = await runCliCaptured(['prune', '--keep-within', '1d', '--dry-run'], env, { store });
    expect(result.code).toBe(ExitCode.ok);
    expect(result.err).toMatch(/^streamvault: warning: bucket memory has versioning Enabled: prune's deletes only add delete markers, .*NoncurrentVersionExpiration/);
  });

  it('refuses a malformed --keep-within with exit 2 before reading the configuration, and a missing one', async () => {
    const bad = await runCliCaptured(['prune', '--keep-within', '30 days'], {});
    expect(bad).toEqual({ code: ExitCode.badConfiguration, out: '', err: 'streamvault: --keep-within: expected a positive number followed by s, m, h, d or w (e.g. 30d), got "30 days"\n' });
    const missing = await runCliCaptured(['prune'], env, { store: new MemoryObjectStore() });
    expect(missing.code).toBe(ExitCode.badConfiguration);
    expect(missing.err).toContain("required option '--keep-within <duration>' not specified");
  });

  it('refuses a location without a backup with exit 3', async () => {
    const result = await runCliCaptured(['prune', '--keep-within', '1d'], env, { store: new MemoryObjectStore() });
    expect(result.code).toBe(ExitCode.missingBackupLocation);
    expect(result.err).toContain('no backup in bucket memory under prefix "team/"');
  });
});
