import { createHash } from 'node:crypto';
import { encodeContainer, type AvroCodec } from '../events/avro-container.js';
import type { Pair } from '../config/pair.js';
import type { KeyLayout } from '../storage/key-layout.js';
import { serializeManifest, type ManifestEntry, type ManifestStream } from '../storage/manifest.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { PartitionBatch } from './partition-batch.js';
import type { StreamSink } from './stream-pipeline.js';

export interface BatchWriterDeps {
  readonly store: ObjectStore;
  readonly layout: KeyLayout;
  readonly codec: AvroCodec;
  readonly streamSink: StreamSink;
  /** Wall clock, for `writtenAt`. */
  readonly now: () => Date;
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
   */
  async write(pair: Pair, batch: PartitionBatch, isCurrent: () => boolean = () => true): Promise<ManifestEntry> {
    const { store, layout, codec, streamSink } = this.#deps;
    const first = batch.records[0];
    const last = batch.records[batch.records.length - 1];
    if (!first || !last) throw new Error('expected a batch with at least one record, got an empty one');

    // The journal write (or upload) of streams runs while the object goes to S3.
    const streams = dedupeStreams(batch.streams);
    const streamsDurable = streamSink.persist(streams);
    streamsDurable.catch(() => {}); // awaited below; avoid an unhandled rejection meanwhile

    const key = layout.eventsObjectKey(pair, batch.partition, first.offset, first.timestamp);
    const body = await encodeContainer(batch.records, {
      codec,
      seed: key,
      metadata: {
        'streamvault.topic': pair.topic,
        'streamvault.pair': `${pair.source}/${pair.event}`,
        'streamvault.partition': String(batch.partition),
      },
    });
    const sha256 = createHash('sha256').update(body).digest('hex');
    if (!isCurrent()) throw new StaleBatchError(key);
    await store.put(key, body, {
      contentType: 'application/avro',
      metadata: { sha256, 'first-offset': first.offset, 'last-offset': last.offset, count: String(batch.size) },
    });

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
      minTimestamp,
      maxTimestamp,
      bytes: body.length,
      sha256,
      codec,
      writtenAt: this.#deps.now().toISOString(),
      streams,
    };
    if (!isCurrent()) throw new StaleBatchError(key);
    await store.put(layout.manifestKey(pair, batch.partition, first.offset), serializeManifest(entry), {
      contentType: 'application/json',
    });
    await streamsDurable;
    return entry;
  }
}

export class StaleBatchError extends Error {
  readonly retriable = false;
  constructor(readonly key: string) {
    super(`batch ${key} was not written: its partition was reassigned by a rebalance; the new owner re-reads it`);
    this.name = 'StaleBatchError';
  }
}

/** One entry per (source, label, sha256, timestamp): what point-in-time restore needs, no more. */
function dedupeStreams(streams: readonly ManifestStream[]): ManifestStream[] {
  const seen = new Map<string, ManifestStream>();
  for (const s of streams) seen.set(`${s.sha256}\u0000${s.source}\u0000${s.label}\u0000${s.timestamp}`, s);
  return [...seen.values()];
}
