import { Readable } from 'node:stream';
import { buildRestorePlan } from '../../src/restore/restore-plan.js';
import { KeyLayout } from '../../src/storage/key-layout.js';
import { serializeManifest, type ManifestEntry } from '../../src/storage/manifest.js';
import { ObjectNotFoundError, type ObjectStore, type StoredObjectHead, type StoredObjectInfo, type StoredObjectStream } from '../../src/storage/object-store.js';
import { verifyBackup } from '../../src/verify/verify-backup.js';

/**
 * A bucket in memory, listed in key order like S3. Planning is what the growth figure times, not
 * s3rver's cost per request (linear in the keys anyway): a backup of 10,000+ batches is written
 * here in a second instead of minutes, and a plan that degrades past linear shows all the same.
 */
class InMemoryBucket implements ObjectStore {
  readonly bucket = 'bench-planning';
  readonly #objects = new Map<string, Buffer>();
  #sorted: string[] | undefined;

  async put(key: string, body: Buffer): Promise<void> {
    if (!this.#objects.has(key)) this.#sorted = undefined;
    this.#objects.set(key, body);
  }
  async putStream(key: string, body: Readable): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    await this.put(key, Buffer.concat(chunks));
  }
  async get(key: string): Promise<Buffer> {
    const body = this.#objects.get(key);
    if (!body) throw new ObjectNotFoundError(this.bucket, key);
    return body;
  }
  async getStream(key: string): Promise<Readable> {
    return Readable.from([await this.get(key)]);
  }
  async getStreamWithMetadata(key: string): Promise<StoredObjectStream> {
    return { body: await this.getStream(key), metadata: {} };
  }
  async head(key: string): Promise<StoredObjectHead | undefined> {
    const body = this.#objects.get(key);
    return body ? { size: body.length, metadata: {} } : undefined;
  }
  async *list(prefix: string): AsyncIterable<StoredObjectInfo> {
    this.#sorted ??= [...this.#objects.keys()].sort();
    for (const key of this.#sorted) if (key.startsWith(prefix)) yield { key, size: this.#objects.get(key)!.length };
  }
  async delete(key: string): Promise<void> {
    this.#objects.delete(key);
    this.#sorted = undefined;
  }
  async bucketExists(): Promise<boolean> {
    return true;
  }
  async createBucket(): Promise<void> {}
}

export interface PlanningFigure {
  readonly batches: number;
  readonly restore_plan_seconds: number;
  readonly verify_seconds: number;
}

/**
 * Grows one synthetic backup (4 partitions, 1,000 events per batch, a third of the batches naming
 * streams, two thirds of those already named) to each size in turn and times `buildRestorePlan`
 * (manifests read, grouped, every stream HEADed) and a structure `verifyBackup` over all of it.
 */
export async function measurePlanning(sizes: readonly number[]): Promise<PlanningFigure[]> {
  const store = new InMemoryBucket();
  const layout = new KeyLayout('');
  const pair = { source: 'samples', event: 'sourced', topic: 'samples.sourced' };
  const object = Buffer.alloc(256, 1);
  const blob = Buffer.alloc(64, 2);
  let written = 0;
  let blobs = 0;
  const figures: PlanningFigure[] = [];
  for (const size of [...sizes].sort((a, b) => a - b)) {
    for (; written < size; written++) {
      const partition = written % 4;
      const first = BigInt(Math.floor(written / 4) * 1000);
      const key = layout.eventsObjectKey(pair, partition, first.toString(), 1_740_787_200_000n + first);
      const streams: ManifestEntry['streams'] = [];
      if (written % 3 === 0) {
        const fresh = blobs === 0 || written % 9 === 0;
        const n = fresh ? blobs++ : Math.floor(blobs / 2);
        const sha256 = n.toString(16).padStart(64, '0');
        streams.push({ source: 'samples', label: 'content', sha256, timestamp: 1_740_787_200_000n + first });
        if (fresh) await store.put(layout.streamKey(sha256), blob);
      }
      const entry: ManifestEntry = {
        version: 1,
        key,
        ...pair,
        partition,
        firstOffset: first.toString(),
        lastOffset: (first + 999n).toString(),
        count: 1000,
        malformed: 0,
        malformedOffsets: [],
        minTimestamp: 1_740_787_200_000n + first,
        maxTimestamp: 1_740_787_200_000n + first + 999n,
        bytes: object.length,
        sha256: '0'.repeat(64),
        codec: 'deflate',
        writtenAt: '2026-01-01T00:00:00.000Z',
        streams,
      };
      await store.put(key, object);
      await store.put(layout.manifestKey(pair, partition, first.toString()), serializeManifest(entry));
    }
    const planStart = performance.now();
    const plan = await buildRestorePlan(store, layout, { sources: [], events: [], what: 'both', sinceMs: undefined, untilMs: undefined }, { concurrency: 8 });
    const planSeconds = (performance.now() - planStart) / 1000;
    const planned = plan.partitions.reduce((n, p) => n + p.batches.length, 0);
    if (planned !== size) throw new Error(`restore plan: expected ${size} batches, got ${planned}`);
    const verifyStart = performance.now();
    const report = await verifyBackup({ store, layout }, { readData: false, subset: { kind: 'all' } });
    const verifySeconds = (performance.now() - verifyStart) / 1000;
    if (report.objects !== size || report.errors.length > 0) {
      throw new Error(`verify: expected ${size} objects and no damage, got ${report.objects} and ${report.errors.length} errors (${report.errors[0]?.message})`);
    }
    figures.push({ batches: size, restore_plan_seconds: planSeconds, verify_seconds: verifySeconds });
  }
  return figures;
}
