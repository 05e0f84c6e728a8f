import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { ensureBucket } from '../../../src/storage/ensure-bucket.js';

function storeWithout(bucket: string): { store: ObjectStore; created: () => boolean } {
  let created = false;
  const store = { bucket, bucketExists: async () => created, createBucket: async () => void (created = true) } as unknown as ObjectStore;
  return { store, created: () => created };
}

const logger = createLogger('silent');

describe('ensureBucket', () => {
  it('creates a missing bucket only where allowed', async () => {
    const allowed = storeWithout('b-allowed');
    expect(await ensureBucket(allowed.store, 'allowed', logger)).toEqual({ kind: 'created' });
    expect(allowed.created()).toBe(true);
    expect(await ensureBucket(allowed.store, 'never', logger)).toEqual({ kind: 'exists' });
  });

  it('suggests STREAMVAULT_S3_CREATE_BUCKET only to the daemon that has it off', async () => {
    const off = storeWithout('b-off');
    const result = await ensureBucket(off.store, 'not-enabled', logger);
    expect(result).toEqual({ kind: 'missing', message: expect.stringContaining('set STREAMVAULT_S3_CREATE_BUCKET=true') });
    expect(off.created()).toBe(false);
  });

  it('tells a command that reads a backup to check the bucket name, not to create one', async () => {
    const read = storeWithout('b-typo');
    const result = await ensureBucket(read.store, 'never', logger);
    expect(result.kind).toBe('missing');
    const message = (result as { message: string }).message;
    expect(message).toContain('bucket b-typo does not exist');
    expect(message).toContain('check STREAMVAULT_S3_BUCKET');
    expect(message).not.toContain('CREATE_BUCKET');
    expect(read.created()).toBe(false);
  });
});
