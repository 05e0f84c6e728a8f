import type { Logger } from '../observability/logger.js';
import type { ObjectStore } from './object-store.js';

export type EnsureBucketResult = { kind: 'exists' } | { kind: 'created' } | { kind: 'missing'; message: string };

/** A missing bucket is an operator error, not something to paper over, unless they opted in. */
export async function ensureBucket(store: ObjectStore, create: boolean, logger: Logger): Promise<EnsureBucketResult> {
  if (await store.bucketExists()) return { kind: 'exists' };
  if (!create) {
    return {
      kind: 'missing',
      message: `bucket ${store.bucket} does not exist; create it, or set STREAMVAULT_S3_CREATE_BUCKET=true to let streamvault create it`,
    };
  }
  await store.createBucket();
  logger.info({ bucket: store.bucket }, 'created bucket');
  return { kind: 'created' };
}
