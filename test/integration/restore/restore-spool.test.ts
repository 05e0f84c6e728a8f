import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../../src/storage/s3-object-store.js';
import { createBucket, s3ClientFor } from '../../helpers/s3-server.js';
import { sharedKafkaBrokers, sharedS3Endpoint } from '../../helpers/shared-servers.js';
import { generatedBuffer } from '../../helpers/generated-bytes.js';
import { uniqueName } from '../../helpers/names.js';
import { makeBackup, newStateDir, restoreEnv, runRestoreCli, sha256, writeBatch } from './restore-fixtures.js';

/** Every file under `{stateDir}/restore/{target}/spool`, whichever target id the run used. */
function spoolFiles(stateDir: string): string[] {
  const root = join(stateDir, 'restore');
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((target) => {
    const dir = join(root, target, 'spool');
    return existsSync(dir) ? readdirSync(dir).map((f) => join(target, f)) : [];
  });
}

describe('streamvault restore: spool', { timeout: 300_000 }, () => {
  it('a restore SIGKILLed mid-download leaves a spool file; the next run deletes it and restores the stream intact', async () => {
    const backup = await makeBackup();
    const large = generatedBuffer(96 * 1024 * 1024, 7);
    await writeBatch(backup, 0, 0, 3, [{ label: 'content', content: large, offset: 1 }]);
    const client = s3ClientFor(sharedS3Endpoint());
    const targetBucket = uniqueName('spool-target');
    await createBucket(client, targetBucket);
    const stateDir = newStateDir();
    const env = restoreEnv(backup, sharedKafkaBrokers(), stateDir, {
      STREAMVAULT_RESTORE_STREAM_TARGET: 's3',
      STREAMVAULT_RESTORE_STREAM_BUCKET: targetBucket,
    });

    const killed = await runRestoreCli(['--what', 'streams', '--json'], env, { when: () => spoolFiles(stateDir).length > 0 });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const left = spoolFiles(stateDir);
    expect(left, 'the kill landed while the stream was spooled').toHaveLength(1);

    const second = await runRestoreCli(['--what', 'streams', '--json'], env);
    expect(second.code, second.stderr).toBe(0);
    expect(spoolFiles(stateDir)).toEqual([]);
    const restored = await new S3ObjectStore(client, targetBucket).get(`${backup.pair.source}/content/${sha256(large)}`);
    expect(restored.length).toBe(large.length);
    expect(sha256(restored)).toBe(sha256(large));
  });
});
