import { encodeContainerMeasured, type AvroCodec } from '../events/avro-container.js';
import { pairId, type Pair } from '../config/pair.js';
import type { KeyLayout } from '../storage/key-layout.js';
import { fencedPut, unfencedPut, type FencedPutRequest, type WriteFence } from '../storage/fenced-write.js';
import { parseManifest, serializeManifest, unionStreams, type ManifestEntry, type ManifestStream } from '../storage/manifest.js';
import { getIfExists, type ObjectStore } from '../storage/object-store.js';
import { ENCRYPTION_KEY_ID_METADATA, sealBuffer } from '../storage/encryption.js';
import { sha256Hex } from '../storage/sha256-stream.js';
import type { EncryptionKey } from '../config/encryption-keys.js';
import type { PartitionBatch } from './partition-batch.js';
import type { StreamSink } from '../streams/stream-pipeline.js';
import { StreamvaultError } from '../errors/streamvault-error.js';

export interface BatchWriterDeps {
  readonly store: ObjectStore;
  readonly layout: KeyLayout;
  readonly codec: AvroCodec;
  readonly streamSink: StreamSink;
  /** Wall clock, for `writtenAt`. */
  readonly now: () => Date;
  /**
   * The store enforces If-None-Match / If-Match (STREAMVAULT_S3_CONDITIONAL_WRITES resolved at
   * start): every object and manifest is then written fenced (storage/fenced-write.ts).
   */
  readonly conditionalWrites?: boolean;
  /**
   * Client-side encryption (STREAMVAULT_ENCRYPTION_KEY): the container is sealed after the codec
   * (storage/encryption.ts). The manifest's sha256 stays the container's (the plaintext), its
   * `bytes` the stored size.
   */
  readonly encryption?: EncryptionKey;
}

/**
 * Makes one batch durable: the object, then its manifest entry (data first, index second), and
 * the streams it references. Only when this resolves may the batch's offsets be committed.
 */
export class BatchWriter {
  readonly #deps: BatchWriterDeps;

  constructor(deps: BatchWriterDeps) {
    this.#deps = deps;
  }

  /**
   * `isCurrent` is asked before each PUT: after a rebalance the partition's new owner re-reads and
   * rewrites the same keys, and a stale writer must not overwrite them with its older batch.
   * `fence` (the consumer group generation the batch was read in) closes the rest of that window
   * with conditional writes: a PUT still in flight when the new owner wrote is refused by the store.
   * Required when conditional writes are on; FenceUnknownError (retriable) without it.
   */
  async write(pair: Pair, batch: PartitionBatch, isCurrent: () => boolean = () => true, fence?: WriteFence): Promise<ManifestEntry> {
    const { store, layout, codec, streamSink } = this.#deps;
    const first = batch.records[0];
    const last = batch.records[batch.records.length - 1];
    if (!first || !last) throw new Error('expected a batch with at least one record, got an empty one');
    if (this.#deps.conditionalWrites && !fence) throw new FenceUnknownError(pair.topic, batch.partition);

    // The journal write (or upload) of streams runs while the object goes to S3.
    const streams = dedupeStreams(batch.streams);
    const streamsDurable = streamSink.persist(streams, pairId(pair));
    streamsDurable.catch(() => {}); // awaited below; avoid an unhandled rejection meanwhile

    const key = layout.eventsObjectKey(pair, batch.partition, first.offset, first.timestamp);
    const { body, uncompressedBytes } = await encodeContainerMeasured(batch.records, {
      codec,
      seed: key,
      metadata: {
        'streamvault.topic': pair.topic,
        'streamvault.pair': `${pair.source}/${pair.event}`,
        'streamvault.partition': String(batch.partition),
      },
    });
    const sha256 = sha256Hex(body);
    const encryption = this.#deps.encryption;
    const stored = encryption ? sealBuffer(encryption, body) : body;
    if (!isCurrent()) throw new StaleBatchError(key);
    await this.#put(
      {
        key,
        body: stored,
        options: {
          // The store checks the bytes against it, and the client does not hash them again to sign.
          ...(encryption ? {} : { sha256 }),
          contentType: encryption ? 'application/octet-stream' : 'application/avro',
          metadata: {
            sha256,
            'first-offset': first.offset,
            'last-offset': last.offset,
            count: String(batch.size),
            ...(encryption ? { [ENCRYPTION_KEY_ID_METADATA]: encryption.id } : {}),
          },
        },
      },
      fence,
    );

    let minTimestamp = first.timestamp;
    let maxTimestamp = first.timestamp;
    for (const r of batch.records) {
      if (r.timestamp < minTimestamp) minTimestamp = r.timestamp;
      if (r.timestamp > maxTimestamp) maxTimestamp = r.timestamp;
    }
    const entry: ManifestEntry = {
      version: 1,
      key,
      source: pair.source,
      event: pair.event,
      topic: pair.topic,
      partition: batch.partition,
      firstOffset: first.offset,
      lastOffset: last.offset,
      count: batch.size,
      malformed: batch.malformedOffsets.length,
      malformedOffsets: batch.malformedOffsets,
      ...(batch.generations.size > 0 ? { generations: Object.fromEntries([...batch.generations].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) } : {}),
      minTimestamp,
      maxTimestamp,
      bytes: stored.length,
      sha256,
      codec,
      uncompressedBytes,
      writtenAt: this.#deps.now().toISOString(),
      streams,
    };
    if (!isCurrent()) throw new StaleBatchError(key);
    const manifestKey = layout.manifestKey(pair, batch.partition, first.offset);
    let written = entry;
    await this.#put(
      {
        key: manifestKey,
        body: async (stored) => {
          written = stored ? await withRecordedStreams(store, manifestKey, entry) : entry;
          return serializeManifest(written);
        },
        options: { contentType: 'application/json' },
      },
      fence,
    );
    await streamsDurable;
    return written;
  }

  async #put(request: FencedPutRequest, fence: WriteFence | undefined): Promise<void> {
    const { store, conditionalWrites } = this.#deps;
    if (!conditionalWrites || !fence) return unfencedPut(store, request, fence);
    const result = await fencedPut(store, request, fence);
    if (result.kind === 'refused') {
      throw new StaleBatchError(
        request.key,
        `the stored version was written at generation ${result.stored.generation} of group ${result.stored.group}, newer than this writer's ${fence.generation}`,
      );
    }
  }
}

/**
 * `entry` with the streams the stored manifest of the same key recorded: a replay never drops
 * them (a run without a schema would otherwise rewrite history with `"streams": []`).
 */
async function withRecordedStreams(store: ObjectStore, key: string, entry: ManifestEntry): Promise<ManifestEntry> {
  const body = await getIfExists(store, key);
  if (body === undefined) return entry;
  const stored = parseManifest(key, body);
  if (!stored.ok) return entry; // unreadable: replaced by a readable one
  return { ...entry, streams: unionStreams(stored.entry.streams, entry.streams) };
}

export class StaleBatchError extends StreamvaultError {
  constructor(
    readonly key: string,
    detail = 'its partition was reassigned by a rebalance',
  ) {
    super(`batch ${key} was not written: ${detail}; the partition's new owner re-reads it`, { code: 'STALE_BATCH' });
    this.name = 'StaleBatchError';
  }
}

/** Conditional writes are on but the batch came without its group generation: retried once the worker knows it. */
export class FenceUnknownError extends StreamvaultError {
  constructor(readonly topic: string, readonly partition: number) {
    super(`batch of ${topic}/${partition} not written yet: the consumer group generation (its fencing token) is not known yet`, { code: 'FENCE_UNKNOWN' });
    this.name = 'FenceUnknownError';
  }
}

/** One entry per (source, label, sha256, timestamp): what point-in-time restore needs, no more. */
function dedupeStreams(streams: readonly ManifestStream[]): ManifestStream[] {
  const seen = new Map<string, ManifestStream>();
  for (const s of streams) seen.set(`${s.sha256}\u0000${s.source}\u0000${s.label}\u0000${s.timestamp}`, s);
  return [...seen.values()];
}
