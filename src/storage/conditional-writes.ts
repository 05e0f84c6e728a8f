import { randomUUID } from 'node:crypto';
import type { Logger } from '../observability/logger.js';
import type { KeyLayout } from './key-layout.js';
import { PreconditionFailedError, type ObjectStore } from './object-store.js';

export type ConditionalWritesSetting = 'auto' | 'on' | 'off';

export type ConditionalWritesProbe = { readonly enforced: true } | { readonly enforced: false; readonly reason: string };

/**
 * Whether the store enforces `If-None-Match: *` and `If-Match` on PutObject: a throwaway key is
 * created, then written again under each condition, which must be refused. Stores that ignore the
 * headers (s3rver, some S3-compatible ones) overwrite instead; some answer 501 or 400.
 */
export async function probeConditionalWrites(store: ObjectStore, layout: KeyLayout): Promise<ConditionalWritesProbe> {
  const key = layout.conditionalWriteProbeKey(randomUUID());
  try {
    await store.put(key, Buffer.from('1'), { condition: { kind: 'absent' } });
    const refused = async (condition: Parameters<ObjectStore['put']>[2]): Promise<boolean> => {
      try {
        await store.put(key, Buffer.from('2'), condition);
        return false;
      } catch (error) {
        if (error instanceof PreconditionFailedError) return true;
        throw error;
      }
    };
    if (!(await refused({ condition: { kind: 'absent' } }))) {
      return { enforced: false, reason: 'a second PutObject with If-None-Match: * overwrote the key instead of answering 412' };
    }
    if (!(await refused({ condition: { kind: 'matches', etag: '"00000000000000000000000000000000"' } }))) {
      return { enforced: false, reason: 'a PutObject with a stale If-Match overwrote the key instead of answering 412' };
    }
    return { enforced: true };
  } catch (error) {
    return { enforced: false, reason: `a conditional PutObject failed: ${(error as Error).message}` };
  } finally {
    await store.delete(key).catch(() => {});
  }
}

export type ConditionalWritesResolution =
  | { readonly kind: 'resolved'; readonly enabled: boolean }
  | { readonly kind: 'refused'; readonly message: string };

/**
 * STREAMVAULT_S3_CONDITIONAL_WRITES at backup start: `auto` uses them when the store enforces
 * them (warning otherwise, since the stale-writer window stays open), `on` refuses to start
 * without them, `off` does not probe.
 */
export async function resolveConditionalWrites(
  setting: ConditionalWritesSetting,
  store: ObjectStore,
  layout: KeyLayout,
  logger: Logger,
): Promise<ConditionalWritesResolution> {
  if (setting === 'off') return { kind: 'resolved', enabled: false };
  const probe = await probeConditionalWrites(store, layout);
  if (probe.enforced) {
    logger.info({ bucket: store.bucket }, 'the store enforces conditional writes; batch and manifest writes are fenced');
    return { kind: 'resolved', enabled: true };
  }
  if (setting === 'on') {
    return {
      kind: 'refused',
      message: `STREAMVAULT_S3_CONDITIONAL_WRITES is on, but bucket ${store.bucket} does not enforce conditional writes: ${probe.reason}; use a store that does, or set it to auto or off`,
    };
  }
  logger.warn(
    { bucket: store.bucket, reason: probe.reason },
    'the store does not enforce conditional writes: writes are not fenced, so a replica that just lost a partition can still overwrite its new owner (STREAMVAULT_S3_CONDITIONAL_WRITES)',
  );
  return { kind: 'resolved', enabled: false };
}
