/**
 * Writes that a stale writer cannot land over a newer one.
 *
 * Keys are deterministic (pair, partition, first offset), so after a rebalance the partition's new
 * owner rewrites the keys the old owner may still be writing. Every batch object and manifest
 * carries a fencing token in its metadata: the Kafka consumer group generation its writer held.
 * Within one group a partition has one owner per generation and generations only grow, so the
 * newer owner has the larger token. A write reads the key's head, decides (decideFencedWrite), and
 * puts with `If-None-Match: *` (the key was absent) or `If-Match: <etag read>`; a 412 means someone
 * wrote in between, so it reads and decides again. The check and the write are thus one atomic
 * step on the store: an old owner's PUT still in flight when the new owner wrote fails with 412
 * and is then refused, instead of landing over the newer batch.
 */
import type { ObjectStore, PutOptions, StoredObjectHead, WriteCondition } from './object-store.js';
import { PreconditionFailedError } from './object-store.js';

export interface WriteFence {
  /** The consumer group the writer is a member of; generations are ordered only within one group. */
  readonly group: string;
  /** Its generation when the batch was read. */
  readonly generation: number;
}

const GROUP_KEY = 'fence-group';
const GENERATION_KEY = 'fence-generation';

/** The object metadata that records `fence` (S3 metadata is ASCII, so the group is URI-encoded). */
export function fenceMetadata(fence: WriteFence): Record<string, string> {
  return { [GROUP_KEY]: encodeURIComponent(fence.group), [GENERATION_KEY]: String(fence.generation) };
}

/** The fence an object was written with, or undefined (written before fencing, or with it off). */
export function storedFence(metadata: Record<string, string>): WriteFence | undefined {
  const group = metadata[GROUP_KEY];
  const generation = metadata[GENERATION_KEY];
  if (group === undefined || generation === undefined || !/^\d{1,15}$/.test(generation)) return undefined;
  try {
    return { group: decodeURIComponent(group), generation: Number(generation) };
  } catch {
    return undefined;
  }
}

export type FenceDecision =
  | { readonly kind: 'write'; readonly condition: WriteCondition }
  | { readonly kind: 'refuse'; readonly stored: WriteFence };

/**
 * Whether a writer holding `fence` may write over `stored` (the key's head, undefined when absent).
 * Refused only when the stored version was written by the same group at a newer generation: a
 * newer owner of the partition. Unfenced (older) objects and other groups' objects carry no order
 * against ours and are replaced, as every rewrite was before fencing.
 */
export function decideFencedWrite(stored: StoredObjectHead | undefined, fence: WriteFence): FenceDecision {
  if (!stored) return { kind: 'write', condition: { kind: 'absent' } };
  if (stored.etag === undefined) throw new Error('expected the store to return an ETag for a stored object, got none');
  const theirs = storedFence(stored.metadata);
  if (theirs && theirs.group === fence.group && theirs.generation > fence.generation) return { kind: 'refuse', stored: theirs };
  return { kind: 'write', condition: { kind: 'matches', etag: stored.etag } };
}

export type FencedPutResult = { readonly kind: 'written' } | { readonly kind: 'refused'; readonly stored: WriteFence };

/** Read-decide-write rounds before giving up on a key other writers keep changing. */
const MAX_ROUNDS = 5;

export interface FencedPutRequest {
  readonly key: string;
  /**
   * The body, or how to make it from the version it replaces (`stored`, undefined when the key
   * is absent): manifests merge with what they replace.
   */
  readonly body: Buffer | ((stored: StoredObjectHead | undefined) => Promise<Buffer>);
  readonly options: Omit<PutOptions, 'condition'>;
}

/** Writes `request.key` under `fence` (see the module comment); `refused` when a newer owner wrote it. */
export async function fencedPut(store: ObjectStore, request: FencedPutRequest, fence: WriteFence): Promise<FencedPutResult> {
  let lastConflict: PreconditionFailedError | undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const stored = await store.head(request.key);
    const decision = decideFencedWrite(stored, fence);
    if (decision.kind === 'refuse') return { kind: 'refused', stored: decision.stored };
    const body = typeof request.body === 'function' ? await request.body(stored) : request.body;
    try {
      await store.put(request.key, body, {
        ...request.options,
        metadata: { ...request.options.metadata, ...fenceMetadata(fence) },
        condition: decision.condition,
      });
      return { kind: 'written' };
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
      lastConflict = error;
    }
  }
  throw new Error(`expected to write ${request.key} within ${MAX_ROUNDS} read-and-write rounds, but other writers changed it each time: ${lastConflict?.message}`);
}

/** Without conditional writes (STREAMVAULT_S3_CONDITIONAL_WRITES=off): the same body rule, a plain overwrite. */
export async function unfencedPut(store: ObjectStore, request: FencedPutRequest, fence: WriteFence | undefined): Promise<void> {
  const body = typeof request.body === 'function' ? await request.body(await store.head(request.key)) : request.body;
  await store.put(request.key, body, {
    ...request.options,
    metadata: { ...request.options.metadata, ...(fence ? fenceMetadata(fence) : {}) },
  });
}
