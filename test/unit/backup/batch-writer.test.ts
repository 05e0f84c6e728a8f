import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { BatchWriter } from '../../../src/backup/batch-writer.js';
import { PartitionBatch } from '../../../src/backup/partition-batch.js';
import type { StreamSink } from '../../../src/streams/stream-pipeline.js';
import { decodeContainer } from '../../../src/events/avro-container.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { parseManifest } from '../../../src/storage/manifest.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const pair = { source: 'samples', event: 'sourced', topic: 'samples.sourced' };
const sha = (c: string) => c.repeat(64);

function batchOf(n: number, first = 0): PartitionBatch {
  const batch = new PartitionBatch(pair.topic, 2, 0);
  for (let i = first; i < first + n; i++) {
    batch.add(
      { topic: pair.topic, partition: 2, offset: String(i), timestamp: 1_700_000_000_000n + BigInt(i), key: null, value: Buffer.from(`v${i}`), headers: [] },
      i,
      {
        streams: [
          { source: 'samples', label: 'content', sha256: sha(i % 2 ? 'a' : 'b'), timestamp: 1_700_000_000_000n },
        ],
        malformed: i === first + 1,
      },
    );
  }
  return batch;
}

function writerWith(store: MemoryObjectStore, streamSink: StreamSink, codec: 'null' | 'deflate' = 'null', conditionalWrites = false): BatchWriter {
  return new BatchWriter({ store, layout: new KeyLayout(''), codec, streamSink, now: () => new Date(0), conditionalWrites });
}

/** A batch like batchOf, but its events referenced no streams (as a run without a schema sees them). */
function batchWithoutStreams(n: number, first = 0): PartitionBatch {
  const batch = new PartitionBatch(pair.topic, 2, 0);
  for (let i = first; i < first + n; i++) {
    batch.add({ topic: pair.topic, partition: 2, offset: String(i), timestamp: 1_700_000_000_000n + BigInt(i), key: null, value: Buffer.from(`v${i}`), headers: [] }, i, {
      streams: [],
      malformed: false,
    });
  }
  return batch;
}

const manifestKey = 'manifests/samples/sourced/p000002/00000000000000000000.json';
const objectKey = 'events/samples/sourced/p000002/00000000000000000000-2023-11-14.avro';

describe('BatchWriter', () => {
  it('writes the object, then its manifest, and resolves only after the streams are durable', async () => {
    const store = new MemoryObjectStore();
    let releaseStreams!: () => void;
    const persisted: unknown[] = [];
    const sink: StreamSink = {
      persist: (streams) => {
        persisted.push(...streams);
        return new Promise((resolve) => {
          releaseStreams = resolve;
        });
      },
    };
    const writer = writerWith(store, sink, 'deflate');
    let done = false;
    const writing = writer.write(pair, batchOf(5, 10)).then((e) => {
      done = true;
      return e;
    });
    await vi.waitFor(() =>
      expect(store.calls).toEqual([
        { op: 'put', key: 'events/samples/sourced/p000002/00000000000000000010-2023-11-14.avro' },
        // the manifest it replaces, if any, is read first: its streams are kept (see below)
        { op: 'head', key: 'manifests/samples/sourced/p000002/00000000000000000010.json' },
        { op: 'put', key: 'manifests/samples/sourced/p000002/00000000000000000010.json' },
      ]),
    );
    expect(done).toBe(false); // the streams are not durable yet: no commit may happen
    releaseStreams();
    const entry = await writing;

    const object = store.objects.get(entry.key)!.body;
    expect(entry.sha256).toBe(createHash('sha256').update(object).digest('hex'));
    // Sent with its sha256 (the store checks the bytes against it: MemoryObjectStore refuses a mismatch, as S3 does).
    expect(store.objects.get(entry.key)!.options.sha256).toBe(entry.sha256);
    expect(entry).toMatchObject({ firstOffset: '10', lastOffset: '14', count: 5, malformed: 1, malformedOffsets: ['11'], bytes: object.length });
    expect((await decodeContainer(object)).map((r) => r.value?.toString())).toEqual(['v10', 'v11', 'v12', 'v13', 'v14']);
    // Streams are deduplicated per batch: two distinct references, each once.
    expect(entry.streams.map((s) => s.sha256).sort()).toEqual([sha('a'), sha('b')]);
    expect(persisted).toHaveLength(2);
    const manifest = parseManifest('m', store.objects.get('manifests/samples/sourced/p000002/00000000000000000010.json')!.body);
    expect(manifest).toEqual({ ok: true, entry });
  });

  it('sends an encrypted object without the container\'s sha256: the stored bytes are the sealed ones', async () => {
    const store = new MemoryObjectStore();
    const sink: StreamSink = { persist: async () => {} };
    const writer = new BatchWriter({ store, layout: new KeyLayout(''), codec: 'null', streamSink: sink, now: () => new Date(0), encryption: { id: 'k1', key: Buffer.alloc(32, 7) } });
    const entry = await writer.write(pair, batchOf(3));
    const stored = store.objects.get(entry.key)!;
    expect(stored.options.sha256).toBeUndefined();
    expect(stored.options.metadata?.sha256).toBe(entry.sha256);
    expect(createHash('sha256').update(stored.body).digest('hex')).not.toBe(entry.sha256);
  });

  it('writes nothing for a batch whose partition was reassigned meanwhile', async () => {
    const store = new MemoryObjectStore();
    const writer = writerWith(store, { persist: async () => {} });
    await expect(writer.write(pair, batchOf(3), () => false)).rejects.toThrow(/reassigned by a rebalance/);
    expect([...store.objects.keys()]).toEqual([]);
  });

  it('does not write the manifest when the object write fails', async () => {
    const store = new MemoryObjectStore();
    store.failNext = (op, key) => (op === 'put' && key.startsWith('events/') ? new Error('S3 down') : undefined);
    const writer = writerWith(store, { persist: async () => {} });
    await expect(writer.write(pair, batchOf(3))).rejects.toThrow('S3 down');
    expect([...store.objects.keys()]).toEqual([]);
  });

  it('fails the write when the streams cannot be made durable, so the batch is not committed', async () => {
    const store = new MemoryObjectStore();
    const writer = writerWith(store, { persist: async () => Promise.reject(new Error('journal not writable')) });
    await expect(writer.write(pair, batchOf(3))).rejects.toThrow('journal not writable');
  });

  it('keeps the streams a manifest recorded when a replay of its batch finds fewer (issue 10, item 12)', async () => {
    const store = new MemoryObjectStore();
    const writer = writerWith(store, { persist: async () => {} });
    const first = await writer.write(pair, batchOf(3));
    expect(first.streams).toHaveLength(2);
    const replay = await writer.write(pair, batchWithoutStreams(3));
    expect(replay.streams).toEqual(first.streams);
    const stored = parseManifest('m', store.objects.get(manifestKey)!.body);
    expect(stored.ok && stored.entry.streams).toEqual(first.streams);
  });

  describe('with conditional writes', () => {
    const g = (generation: number) => ({ group: 'sv.samples.sourced', generation });

    it('refuses to write without a fence (the worker retries once it knows its generation)', async () => {
      const store = new MemoryObjectStore();
      const writer = writerWith(store, { persist: async () => {} }, 'null', true);
      await expect(writer.write(pair, batchOf(3), () => true)).rejects.toMatchObject({ name: 'FenceUnknownError' });
      expect([...store.objects.keys()]).toEqual([]);
    });

    it('does not overwrite the object or manifest of a newer generation; rewrites its own and older ones', async () => {
      const store = new MemoryObjectStore();
      const writer = writerWith(store, { persist: async () => {} }, 'null', true);
      const newer = await writer.write(pair, batchOf(5), () => true, g(7));
      const newerObject = store.objects.get(objectKey)!.body;
      const newerManifest = store.objects.get(manifestKey)!.body;

      await expect(writer.write(pair, batchOf(3), () => true, g(6))).rejects.toMatchObject({ name: 'StaleBatchError' });
      expect(store.objects.get(objectKey)!.body.equals(newerObject)).toBe(true);
      expect(store.objects.get(manifestKey)!.body.equals(newerManifest)).toBe(true);
      expect(newer.count).toBe(5);

      const again = await writer.write(pair, batchOf(4), () => true, g(7));
      expect(again.count).toBe(4);
      const later = await writer.write(pair, batchOf(2), () => true, g(8));
      const stored = parseManifest('m', store.objects.get(manifestKey)!.body);
      expect(stored.ok && stored.entry).toEqual(later);
    });
  });

  it('records per generation how many events decoded (issue 12), and omits the field when none did; manifests without it still read', async () => {
    const store = new MemoryObjectStore();
    const sink: StreamSink = { persist: async () => {} };
    const batch = new PartitionBatch(pair.topic, 2, 0);
    const generationOf = ['v7', 'v6', undefined, 'v7', 'v7'];
    generationOf.forEach((generation, i) => {
      batch.add({ topic: pair.topic, partition: 2, offset: String(i), timestamp: 1_700_000_000_000n, key: null, value: Buffer.from(`v${i}`), headers: [] }, i, {
        streams: [],
        malformed: generation === undefined,
        generation,
      });
    });
    await writerWith(store, sink).write(pair, batch);
    const written = JSON.parse(store.objects.get(manifestKey)!.body.toString()) as Record<string, unknown>;
    expect(written['generations']).toEqual({ v6: 1, v7: 3 });
    expect(written['malformed']).toBe(1);
    const parsed = parseManifest(manifestKey, store.objects.get(manifestKey)!.body);
    expect(parsed.ok && parsed.entry.generations).toEqual({ v6: 1, v7: 3 });

    const plain = new MemoryObjectStore();
    await writerWith(plain, sink).write(pair, batchWithoutStreams(3));
    const body = plain.objects.get(manifestKey)!.body;
    expect(JSON.parse(body.toString())).not.toHaveProperty('generations');
    expect(parseManifest(manifestKey, body)).toMatchObject({ ok: true });
  });
});
