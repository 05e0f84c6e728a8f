import { beforeAll, describe, expect, it } from 'vitest';
import { BatchWriter } from '../../../src/backup/batch-writer.js';
import { PartitionBatch } from '../../../src/backup/partition-batch.js';
import { ExitCode } from '../../../src/exit-codes.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { newBackupTarget, type BackupTarget } from '../../helpers/backup-target.js';
import { runCliCaptured } from '../../helpers/run-cli-captured.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// Issue 10, item 13: with a mistyped STREAMVAULT_S3_PREFIX every read command exited 0 having
// read nothing ("restored"). A location with no config and no manifest is not a backup: exit 3.
const pair = { source: 'samples', event: 'sourced', topic: 'samples.sourced' };

describe('read commands on a location that holds no backup', () => {
  let target: BackupTarget;
  let objectKey: string;

  beforeAll(async () => {
    target = await newBackupTarget('wrongloc');
    // A real backup (written before streamvault.json existed: manifests only) under prod/.
    const batch = new PartitionBatch(pair.topic, 0, 0);
    batch.add({ topic: pair.topic, partition: 0, offset: '0', timestamp: 1_700_000_000_000n, key: null, value: Buffer.from('v'), headers: [] }, 0, {
      streams: [],
      malformed: false,
    });
    const writer = new BatchWriter({ store: target.store, layout: new KeyLayout('prod/'), codec: 'null', streamSink: { persist: async () => {} }, now: () => new Date(0) });
    objectKey = (await writer.write(pair, batch)).key;
  });

  const env = (prefix: string) => ({
    ...target.env,
    STREAMVAULT_S3_PREFIX: prefix,
    STREAMVAULT_RESTORE_STREAM_TARGET: 'none',
    STREAMVAULT_STATE_DIR: makeTempDir('state-'),
  });
  const commands: Record<string, string[]> = {
    verify: ['verify'],
    stats: ['stats'],
    'restore --dry-run': ['restore', '--dry-run'],
    restore: ['restore'],
    'get events': ['get', 'events', 'events/samples/sourced/p000000/00000000000000000000-2023-11-14.avro'],
    'get stream': ['get', 'stream', 'a'.repeat(64), '-o', `${makeTempDir('out-')}/blob`],
  };

  for (const [name, argv] of Object.entries(commands)) {
    it(`${name} exits 3 and names the bucket and prefix`, async () => {
      const result = await runCliCaptured(argv, env('prdo/'));
      expect(result.code, result.err).toBe(ExitCode.missingBackupLocation);
      expect(result.err).toContain(`no backup in bucket ${target.bucket} under prefix "prdo/"`);
    });
  }

  it('the right prefix is a backup (legacy: manifests, no streamvault.json): verify and get events succeed', async () => {
    const verify = await runCliCaptured(['verify'], env('prod/'));
    expect(verify.code, verify.err).toBe(ExitCode.ok);
    const get = await runCliCaptured(['get', 'events', objectKey], env('prod/'));
    expect(get.code, get.err).toBe(ExitCode.ok);
    expect(get.out.length).toBeGreaterThan(0);
  });
});
