import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/exit-codes.js';
import { flipOneBit } from '../../helpers/backup-fixture.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';
import { runCliCaptured } from '../../helpers/run-cli-captured.js';
import { COMMAND_ENV, COMMAND_LAYOUT, commandBackup } from '../../helpers/command-backup.js';

const env = COMMAND_ENV;
const layout = COMMAND_LAYOUT;
const backup = () => commandBackup();

const downloads = (store: MemoryObjectStore) => store.calls.filter((c) => c.op === 'get' && !c.key.includes('/manifests/')).length;

describe('streamvault verify', () => {
  it('checks the structure by default, reading no data, and prints one summary line', async () => {
    const { store } = await backup();
    const result = await runCliCaptured(['verify'], env, { store });
    expect(result).toEqual({ code: ExitCode.ok, err: '', out: 'verify (structure): 4 manifests, 4 objects, 4 streams; 0 objects read (0 bytes); 0 errors\n' });
    expect(downloads(store)).toBe(0);
  });

  it('--read-data-subset n/t reads only that part, and implies --read-data', async () => {
    const { store } = await backup();
    const part = await runCliCaptured(['verify', '--read-data-subset', '1/2'], env, { store });
    expect(part.code).toBe(ExitCode.ok);
    expect(part.out).toMatch(/^verify \(read-data, part 1\/2\): 4 manifests, 4 objects, 4 streams; ([1-7]) objects read \(\d+ bytes\); 0 errors\n$/);
    const all = await runCliCaptured(['verify', '--read-data'], env, { store });
    expect(all.out).toMatch(/^verify \(read-data, [^)]+\): 4 manifests, 4 objects, 4 streams; 8 objects read \(\d+ bytes\); 0 errors\n$/);
  });

  it('exits 4 and lists a damaged object found by --read-data and a missing one', async () => {
    const { store, fixture } = await backup();
    const damaged = fixture.entries[0]!.key;
    const stored = store.objects.get(damaged)!;
    store.objects.set(damaged, { ...stored, body: flipOneBit(stored.body) });
    const [sha256] = [...fixture.blobs.keys()];
    store.objects.delete(layout.streamKey(sha256!));
    const result = await runCliCaptured(['verify', '--read-data'], env, { store });
    expect(result.code).toBe(ExitCode.partial);
    const lines = result.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/; 2 errors$/);
    expect(lines).toContain(`corrupt: ${damaged}`);
    expect(lines).toContain(`missing: ${layout.streamKey(sha256!)}`);
  });

  it('--json prints progress lines and a summary with the exit code, and no text', async () => {
    const { store, fixture } = await backup();
    store.objects.delete(fixture.entries[1]!.key);
    const result = await runCliCaptured(['verify', '--json'], env, { store });
    expect(result.code).toBe(ExitCode.partial);
    const lines = result.out.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const summary = lines.at(-1)!;
    expect(summary).toMatchObject({ message_type: 'summary', mode: 'structure', manifests: 4, missing: [fixture.entries[1]!.key], corrupt: [], exit_code: ExitCode.partial });
    expect(new Set(lines.slice(0, -1).map((l) => l.message_type))).toEqual(new Set(['status', 'error']));
    expect(result.out).not.toContain('verify (structure)');
  });

  it('refuses a malformed --read-data-subset with exit 2 before reading the configuration', async () => {
    const result = await runCliCaptured(['verify', '--read-data-subset', '3/2'], {});
    expect(result.code).toBe(ExitCode.badConfiguration);
    expect(result.err).toMatch(/^streamvault: --read-data-subset: .+\n$/);
    expect(result.err).not.toContain('STREAMVAULT_S3_BUCKET');
  });

  it('refuses a location without a backup with exit 3', async () => {
    const result = await runCliCaptured(['verify'], env, { store: new MemoryObjectStore() });
    expect(result.code).toBe(ExitCode.missingBackupLocation);
    expect(result.err).toContain('no backup in bucket memory under prefix "team/"');
  });
});
