import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/exit-codes.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { flipOneBit, writeFixtureBackup } from '../../helpers/backup-fixture.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';
import { runCliCaptured } from '../../helpers/run-cli-captured.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const env = { STREAMVAULT_S3_BUCKET: 'vault', STREAMVAULT_S3_PREFIX: 'team/', STREAMVAULT_LOG_LEVEL: 'silent' };
const layout = new KeyLayout('team/');

async function backup() {
  const store = new MemoryObjectStore();
  const fixture = await writeFixtureBackup(store, layout, { batches: 1, perBatch: 3 });
  const [sha256, blob] = [...fixture.blobs][0]!;
  return { store, entries: fixture.entries, sha256, blob };
}

describe('streamvault get stream', () => {
  it('writes the blob to stdout, and with -o to a file, saying so on stderr', async () => {
    const { store, sha256, blob } = await backup();
    const out = await runCliCaptured(['get', 'stream', sha256.toUpperCase()], env, { store });
    expect(out).toEqual({ code: ExitCode.ok, out: blob.toString(), err: '' });
    const path = join(makeTempDir('get-'), 'blob.bin');
    const file = await runCliCaptured(['get', 'stream', sha256, '-o', path], env, { store });
    expect(file).toEqual({ code: ExitCode.ok, out: '', err: `streamvault: wrote ${blob.length} bytes to ${path} (sha256 verified)\n` });
    expect(readFileSync(path).equals(blob)).toBe(true);
  });

  it('exits 4 for a stream not in the backup, and for a damaged one, writing nothing', async () => {
    const { store, sha256 } = await backup();
    const absent = 'ab'.repeat(32);
    const missing = await runCliCaptured(['get', 'stream', absent], env, { store });
    expect(missing).toEqual({ code: ExitCode.partial, out: '', err: `streamvault: stream ${absent} is not in the backup (no object at ${layout.streamKey(absent)})\n` });
    const key = layout.streamKey(sha256);
    const stored = store.objects.get(key)!;
    store.objects.set(key, { ...stored, body: flipOneBit(stored.body) });
    const path = join(makeTempDir('get-'), 'blob.bin');
    const corrupt = await runCliCaptured(['get', 'stream', sha256, '-o', path], env, { store });
    expect(corrupt.code).toBe(ExitCode.partial);
    expect(corrupt.err).toMatch(new RegExp(`^streamvault: stream ${key} is damaged: expected content hashing to ${sha256}, got [0-9a-f]{64} \\(\\d+ bytes\\); nothing written\\n$`));
    expect(existsSync(path)).toBe(false);
  });

  it('refuses a malformed sha256 with exit 2 before reading the configuration', async () => {
    const result = await runCliCaptured(['get', 'stream', 'abc'], {});
    expect(result).toEqual({ code: ExitCode.badConfiguration, out: '', err: 'streamvault: expected a sha256 of 64 hex characters, got "abc"\n' });
  });

  it('refuses a location without a backup with exit 3', async () => {
    const result = await runCliCaptured(['get', 'stream', 'ab'.repeat(32)], env, { store: new MemoryObjectStore() });
    expect(result.code).toBe(ExitCode.missingBackupLocation);
    expect(result.err).toContain('no backup in bucket memory under prefix "team/"');
  });
});

describe('streamvault get events', () => {
  it('prints the records of an events object as text, and with --json one object per record; the key may omit the prefix', async () => {
    const { store, entries } = await backup();
    const key = entries[0]!.key;
    const text = await runCliCaptured(['get', 'events', key], env, { store });
    expect(text.code).toBe(ExitCode.ok);
    expect(text.out.split('\n')).toEqual([
      `samples.sourced/0@0 2026-01-02T03:04:05.000Z key="k0" headers=1 value=base64:${Buffer.from('value samples.sourced 0 0').toString('base64')}`,
      `samples.sourced/0@1 2026-01-02T03:04:06.000Z key="k1" headers=1 value=base64:${Buffer.from('value samples.sourced 0 1').toString('base64')}`,
      `samples.sourced/0@2 2026-01-02T03:04:07.000Z key="k2" headers=1 value=base64:${Buffer.from('value samples.sourced 0 2').toString('base64')}`,
      '',
    ]);
    const json = await runCliCaptured(['get', 'events', '--json', key.slice('team/'.length)], env, { store });
    expect(json.code).toBe(ExitCode.ok);
    const records = json.out.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((r) => r.offset)).toEqual(['0', '1', '2']);
    expect(records[1]).toMatchObject({ topic: 'samples.sourced', partition: 0, key: Buffer.from('k1').toString('base64'), value: Buffer.from('value samples.sourced 0 1').toString('base64') });
  });

  it('refuses a key that is not an events object key with exit 2, showing the expected form under the prefix', async () => {
    const { store } = await backup();
    const result = await runCliCaptured(['get', 'events', 'team/manifests/x.json'], env, { store });
    expect(result.code).toBe(ExitCode.badConfiguration);
    expect(result.err).toBe(
      'streamvault: expected an events object key such as team/events/<source>/<event>/p000000/<20-digit offset>-<yyyy-mm-dd>.avro, got "team/manifests/x.json"\n',
    );
  });

  it('exits 4 for an events object not in the backup, and for a damaged one', async () => {
    const { store, entries } = await backup();
    const absent = entries[0]!.key.replace('00000000000000000000-', '00000000000000000009-');
    const missing = await runCliCaptured(['get', 'events', absent], env, { store });
    expect(missing).toEqual({ code: ExitCode.partial, out: '', err: `streamvault: no events object at ${absent}\n` });
    const key = entries[0]!.key;
    const stored = store.objects.get(key)!;
    // Cut inside the block of records: the header still reads, the records do not.
    store.objects.set(key, { ...stored, body: stored.body.subarray(0, stored.body.length - 40) });
    const corrupt = await runCliCaptured(['get', 'events', key], env, { store });
    expect(corrupt.code).toBe(ExitCode.partial);
    expect(corrupt.err).toMatch(new RegExp(`^streamvault: events object ${key} is damaged after \\d+ records: `));
  });
});
