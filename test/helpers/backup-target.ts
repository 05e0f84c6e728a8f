import { KeyLayout } from '../../src/storage/key-layout.js';
import { S3ObjectStore } from '../../src/storage/s3-object-store.js';
import { backupEnv, pairsEnv } from './backup-env.js';
import { uniqueName } from './names.js';
import { createBucket, s3ClientFor } from './s3-server.js';
import { sharedKafkaBrokers, sharedS3Endpoint } from './shared-servers.js';
import { makeTempDir } from './temp-dir.js';

export interface BackupTarget {
  readonly bucket: string;
  readonly group: string;
  readonly stateDir: string;
  /** STREAMVAULT_ variables of a daemon backing up into this target from the shared broker. */
  readonly env: Record<string, string>;
  readonly store: S3ObjectStore;
  readonly layout: KeyLayout;
}

/**
 * A fresh bucket on the shared S3 server, a fresh state directory and consumer group, and the
 * environment of a backup using them with the shared broker (or `brokers`): `pairs`
 * (`source/event` -> topic) as in pairsEnv, then `extra` on top.
 */
export async function newBackupTarget(
  name: string,
  options: { pairs?: Record<string, string>; extra?: Record<string, string>; brokers?: readonly string[] } = {},
): Promise<BackupTarget> {
  const bucket = uniqueName(name);
  const client = s3ClientFor(sharedS3Endpoint());
  await createBucket(client, bucket);
  const group = uniqueName('grp');
  const stateDir = makeTempDir('state-');
  const env = backupEnv({
    brokers: options.brokers ?? sharedKafkaBrokers(),
    s3Endpoint: sharedS3Endpoint(),
    bucket,
    stateDir,
    extra: {
      ...(options.pairs ? pairsEnv(options.pairs) : {}),
      STREAMVAULT_KAFKA_GROUP_ID: group,
      ...options.extra,
    },
  });
  return { bucket, group, stateDir, env, store: new S3ObjectStore(client, bucket), layout: new KeyLayout('') };
}
