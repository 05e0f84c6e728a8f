import type { Logger } from '../observability/logger.js';
import type { ObjectStore } from './object-store.js';

export type EnsureBucketResult = { kind: 'exists' } | { kind: 'created' } | { kind: 'missing'; message: string };

/**
 * Whether a missing bucket may be created: `allowed` (the daemon, with STREAMVAULT_S3_CREATE_BUCKET
 * true), `not-enabled` (the daemon, with it false), `never` (commands that read a backup: creating
 * an empty bucket would only hide a wrong name).
 */
export type BucketCreation = 'allowed' | 'not-enabled' | 'never';

/** A missing bucket is an operator error, not something to paper over, unless they opted in. */
export async function ensureBucket(store: ObjectStore, creation: BucketCreation, logger: Logger): Promise<EnsureBucketResult> {
  if (await store.bucketExists()) return { kind: 'exists' };
  if (creation === 'never') {
    return {
      kind: 'missing',
      message: `bucket ${store.bucket} does not exist; this command reads a backup and never creates a bucket: check STREAMVAULT_S3_BUCKET and the endpoint or region`,
    };
  }
  if (creation === 'not-enabled') {
    return {
      kind: 'missing',
      message: `bucket ${store.bucket} does not exist; create it, or set STREAMVAULT_S3_CREATE_BUCKET=true to let streamvault create it`,
    };
  }
  await store.createBucket();
  logger.info({ bucket: store.bucket }, 'created bucket');
  return { kind: 'created' };
}
