// verify over compressed stream objects (stats over them: test/unit/verify/backup-stats.test.ts).
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { verifyBackup } from '../../../src/verify/verify-backup.js';
import { writeFixtureBackup } from '../../helpers/backup-fixture.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const layout = new KeyLayout('');

describe('verify --read-data over compressed streams', () => {
  it('passes compressed and plain blobs alike, and names a compressed blob whose content was swapped or cut', async () => {
    const store = new MemoryObjectStore();
    const backup = await writeFixtureBackup(store, layout);
    const [good, swapped, cut] = [...backup.blobs];
    const put = (sha: string, body: Buffer) => store.put(layout.streamKey(sha), body, { metadata: { sha256: sha, encoding: 'gzip' } });
    await put(good![0], gzipSync(good![1]));
    await put(swapped![0], gzipSync(Buffer.from('not the content')));
    const gz = gzipSync(cut![1]);
    await put(cut![0], gz.subarray(0, gz.length - 8));

    const report = await verifyBackup({ store, layout }, { readData: true, subset: { kind: 'all' } });
    expect(report.corrupt).toEqual([layout.streamKey(swapped![0]), layout.streamKey(cut![0])].sort());
    const byKey = new Map(report.errors.map((e) => [e.key, e]));
    expect(byKey.get(layout.streamKey(swapped![0]))).toMatchObject({ kind: 'sha256-mismatch' });
    expect(byKey.get(layout.streamKey(cut![0]))).toMatchObject({ kind: 'undecodable' });
    expect(report.read).toContain(layout.streamKey(good![0]));
  });
});
