import { openStoredStream } from '../streams/stream-encoding.js';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import PQueue from 'p-queue';
import { readContainer } from '../events/avro-container.js';
import type { KeyLayout } from '../storage/key-layout.js';
import type { ManifestEntry } from '../storage/manifest.js';
import { compareOffsets, readManifests } from '../storage/manifest-reader.js';
import { ObjectNotFoundError, type ObjectStore } from '../storage/object-store.js';
import { readRetentionGaps, type RetentionGap } from '../storage/retention-gap.js';
import { Sha256Stream, sha256OfStream } from '../storage/sha256-stream.js';
import { MissingStreamMarkers } from '../streams/missing-stream-markers.js';
import { inSubset, type DataSubset } from './data-subset.js';

/** Why one key failed verification. `missing` keys and every other kind ("corrupt") are listed apart. */
export type DamageKind =
  | 'missing'
  | 'size-mismatch'
  | 'sha256-mismatch'
  | 'undecodable'
  | 'records-mismatch'
  | 'manifest-unreadable'
  | 'retention-gap-unreadable';

export interface Damage {
  readonly key: string;
  readonly kind: DamageKind;
  /** What was expected and what arrived, for people. */
  readonly message: string;
  /** The manifest that names the key (absent for an unreadable manifest itself). */
  readonly manifestKey?: string;
}

/** What verify reports as it goes; ProgressReporter satisfies it. */
export interface VerifyProgress {
  start(totals: { files: number; bytes: number }, phase?: string): void;
  setPhase(phase: string): void;
  addTotals(files: number, bytes: number): void;
  advance(files: number, bytes: number): void;
  error(item: string, error: string, during: string): void;
}

export interface VerifyOptions {
  /** Download objects and check their content, not only that they exist with the right size. */
  readonly readData: boolean;
  /** Which objects to download when `readData` is set. */
  readonly subset: DataSubset;
  /** Objects checked at once. Default 8. */
  readonly concurrency?: number;
  /** For `x%` subsets; injectable for tests. */
  readonly random?: () => number;
}

export interface VerifyDeps {
  readonly store: ObjectStore;
  readonly layout: KeyLayout;
  readonly progress?: VerifyProgress;
}

export interface VerifyReport {
  readonly manifests: number;
  /** Events objects named by the manifests (checked for existence and size). */
  readonly objects: number;
  /** Distinct streams referenced by the manifests (checked for existence). */
  readonly streams: number;
  /** Keys whose content was downloaded and checked, sorted. */
  readonly read: readonly string[];
  readonly bytesRead: number;
  readonly errors: readonly Damage[];
  /** Sorted, distinct. */
  readonly missing: readonly string[];
  /** Keys present but damaged (wrong size, hash, records, unreadable manifest), sorted, distinct. */
  readonly corrupt: readonly string[];
  /**
   * Referenced streams with no object but a `streams-missing/` marker: the source never had them
   * while the daemon retried (sha256s, sorted). Not damage: the backup holds all it could.
   */
  readonly unavailableAtSource: readonly string[];
  /**
   * Offsets that expired at the source before the daemon read them (gaps/ objects), sorted. Not
   * damage: the backup is consistent and holds all the source still had; reported as warnings.
   */
  readonly retentionGaps: readonly RetentionGap[];
}

interface DataTask {
  readonly key: string;
  readonly size: number;
  readonly check: (body: Readable, onBytes: (n: number) => void) => Promise<Damage | undefined>;
  /** Events objects are read as stored (decrypted by the store: the sha256 is the container's); stream objects decoded per their metadata (stream-encoding.ts). */
  readonly open: Opener;
}

type Opener = (store: ObjectStore, key: string) => Promise<Readable>;
const asStored: Opener = (store, key) => store.getStream(key);
const asContent: Opener = openStoredStream;

/**
 * Proves a backup is restorable. The structure check lists the bucket once and compares it with
 * every manifest: each events object exists with its recorded size, each referenced stream exists.
 * With `readData`, the chosen objects are downloaded (streamed, one block in memory) and checked:
 * sha256 as recorded, records exactly as the manifest says, blobs hashing to their name.
 */
export async function verifyBackup(deps: VerifyDeps, options: VerifyOptions): Promise<VerifyReport> {
  const { store, layout, progress } = deps;
  const errors: Damage[] = [];
  const report = (damage: Damage, during: string) => {
    errors.push(damage);
    progress?.error(damage.key, damage.message, during);
  };

  progress?.start({ files: 0, bytes: 0 }, 'list');
  const listing = await readManifests(store, layout);
  for (const problem of listing.problems) {
    report({ key: problem.key, kind: 'manifest-unreadable', message: problem.reason }, 'manifest');
  }
  const objects = await sizesUnder(store, `${layout.prefix}events/`);
  const streams = await sizesUnder(store, layout.streamsPrefix());
  const markers = await new MissingStreamMarkers(store, layout).list();
  const gaps = await readRetentionGaps(store, layout);
  for (const problem of gaps.problems) {
    report({ key: problem.key, kind: 'retention-gap-unreadable', message: problem.reason }, 'retention-gap');
  }
  const unavailableAtSource: string[] = [];

  progress?.setPhase('structure');
  const tasks: DataTask[] = [];
  const referenced = new Map<string, string>(); // stream sha256 -> first manifest naming it
  for (const entry of listing.entries) {
    const manifestKey = layout.manifestKey(entry, entry.partition, entry.firstOffset);
    const size = objects.get(entry.key);
    if (size === undefined) {
      report({ key: entry.key, kind: 'missing', manifestKey, message: `events object ${entry.key} named by ${manifestKey} does not exist` }, 'structure');
    } else if (size !== entry.bytes) {
      report(
        {
          key: entry.key,
          kind: 'size-mismatch',
          manifestKey,
          message: `events object ${entry.key}: expected ${entry.bytes} bytes (manifest ${manifestKey}), got ${size}`,
        },
        'structure',
      );
    } else if (options.readData && inSubset(options.subset, entry.key, options.random)) {
      tasks.push({ key: entry.key, size, open: asStored, check: (body, onBytes) => checkEventsObject(entry, manifestKey, body, onBytes) });
    }
    for (const stream of entry.streams) if (!referenced.has(stream.sha256)) referenced.set(stream.sha256, manifestKey);
  }
  for (const [sha256, manifestKey] of referenced) {
    const key = layout.streamKey(sha256);
    const size = streams.get(key);
    if (size === undefined && markers.has(sha256)) {
      unavailableAtSource.push(sha256);
    } else if (size === undefined) {
      report({ key, kind: 'missing', manifestKey, message: `stream ${sha256} referenced by ${manifestKey} does not exist at ${key} (and no streams-missing marker says the source never had it)` }, 'structure');
    } else if (options.readData && inSubset(options.subset, key, options.random)) {
      tasks.push({ key, size, open: asContent, check: (body, onBytes) => checkBlob(sha256, key, manifestKey, body, onBytes) });
    }
  }

  progress?.setPhase(options.readData ? 'read-data' : 'structure');
  progress?.addTotals(tasks.length, tasks.reduce((sum, t) => sum + t.size, 0));
  const read: string[] = [];
  let bytesRead = 0;
  const queue = new PQueue({ concurrency: options.concurrency ?? 8 });
  await queue.addAll(
    tasks.map((task) => async () => {
      read.push(task.key);
      const damage = await readAndCheck(store, task.key, task.open, task.check, (n) => (bytesRead += n));
      if (damage) report(damage, 'read-data');
      progress?.advance(1, task.size);
    }),
  );

  const missing = distinctSorted(errors.filter((e) => e.kind === 'missing').map((e) => e.key));
  const corrupt = distinctSorted(errors.filter((e) => e.kind !== 'missing').map((e) => e.key));
  return {
    manifests: listing.entries.length + listing.problems.length,
    objects: listing.entries.length,
    streams: referenced.size,
    read: read.sort(),
    bytesRead,
    errors: [...errors].sort((a, b) => a.key.localeCompare(b.key)),
    missing,
    corrupt,
    unavailableAtSource: unavailableAtSource.sort(),
    retentionGaps: gaps.gaps,
  };
}

/**
 * Downloads `key` and runs `check` over its bytes. A key gone since listing is `missing`; a read
 * that fails midway counts as damage too, since nothing proves the object restorable.
 */
async function readAndCheck(
  store: ObjectStore,
  key: string,
  open: Opener,
  check: DataTask['check'],
  onBytes: (n: number) => void,
): Promise<Damage | undefined> {
  try {
    return await check(await open(store, key), onBytes);
  } catch (error) {
    return error instanceof ObjectNotFoundError
      ? { key, kind: 'missing', message: `${key} does not exist (it was listed, or named by a manifest)` }
      : { key, kind: 'undecodable', message: `${key}: could not be read: ${(error as Error).message}` };
  }
}

/** Re-reads one events object and checks it against its manifest entry (periodic validation). */
export function checkEventsObjectInStore(
  store: ObjectStore,
  entry: ManifestEntry,
  manifestKey: string,
  onBytes: (n: number) => void = () => {},
): Promise<Damage | undefined> {
  return readAndCheck(store, entry.key, asStored, (body, count) => checkEventsObject(entry, manifestKey, body, count), onBytes);
}

/** Re-reads one stored blob and checks it hashes to its name. */
export function checkBlobInStore(
  store: ObjectStore,
  layout: KeyLayout,
  sha256: string,
  manifestKey: string,
  onBytes: (n: number) => void = () => {},
): Promise<Damage | undefined> {
  const key = layout.streamKey(sha256);
  return readAndCheck(store, key, asContent, (body, count) => checkBlob(sha256, key, manifestKey, body, count), onBytes);
}

async function sizesUnder(store: ObjectStore, prefix: string): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for await (const object of store.list(prefix)) sizes.set(object.key, object.size);
  return sizes;
}

/** Hashes and decodes in one pass: the object is streamed once, never held whole. */
async function checkEventsObject(
  entry: ManifestEntry,
  manifestKey: string,
  body: Readable,
  onBytes: (n: number) => void,
): Promise<Damage | undefined> {
  const hashing = new Sha256Stream({ onChunk: onBytes });
  const decoded = new PassThrough();
  const piping = pipeline(body, hashing, decoded);
  piping.catch(() => {}); // a read error also surfaces through the decoder below

  let count = 0;
  let first: string | undefined;
  let last: string | undefined;
  let previous: string | undefined;
  const problems: string[] = [];
  let decodeError: string | undefined;
  try {
    for await (const record of readContainer(decoded)) {
      count += 1;
      first ??= record.offset;
      if (previous !== undefined && compareOffsets(record.offset, previous) <= 0 && problems.length < 3) {
        problems.push(`offset ${record.offset} follows ${previous}; expected increasing offsets`);
      }
      if ((record.partition !== entry.partition || record.topic !== entry.topic) && problems.length < 3) {
        problems.push(`record at offset ${record.offset} is from ${record.topic}/${record.partition}, expected ${entry.topic}/${entry.partition}`);
      }
      previous = record.offset;
      last = record.offset;
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENCRYPTION_KEY_UNKNOWN' || code === 'ENCRYPTED_OBJECT_DAMAGED') {
      // Not a hash question: the object fails authentication or its key is not configured.
      decoded.destroy();
      body.destroy();
      throw error;
    }
    decodeError = (error as Error).message;
    // Drain the rest so the hash covers every byte and the request is released.
    decoded.resume();
  }
  await piping.catch(() => {});
  // Undefined when the read failed before the end: no digest, so a mismatch (the message says which).
  const sha256 = hashing.sha256;

  if (sha256 !== entry.sha256) {
    return {
      key: entry.key,
      kind: 'sha256-mismatch',
      manifestKey,
      message: `events object ${entry.key}: expected sha256 ${entry.sha256} (manifest ${manifestKey}), got ${sha256 === undefined ? `no digest (the read ended early)` : sha256} (${hashing.bytes} bytes)${decodeError ? `; it does not decode either: ${decodeError}` : ''}`,
    };
  }
  if (decodeError !== undefined) {
    return { key: entry.key, kind: 'undecodable', manifestKey, message: `events object ${entry.key} does not decode: ${decodeError}` };
  }
  if (count !== entry.count) problems.unshift(`expected ${entry.count} records, got ${count}`);
  if (first !== entry.firstOffset || last !== entry.lastOffset) {
    problems.unshift(`expected offsets ${entry.firstOffset}..${entry.lastOffset}, got ${first ?? 'none'}..${last ?? 'none'}`);
  }
  if (problems.length > 0) {
    return { key: entry.key, kind: 'records-mismatch', manifestKey, message: `events object ${entry.key} (manifest ${manifestKey}): ${problems.join('; ')}` };
  }
  return undefined;
}

async function checkBlob(
  sha256: string,
  key: string,
  manifestKey: string,
  body: Readable,
  onBytes: (n: number) => void,
): Promise<Damage | undefined> {
  const { sha256: actual, bytes } = await sha256OfStream(body, { onChunk: onBytes });
  if (actual === sha256) return undefined;
  return { key, kind: 'sha256-mismatch', manifestKey, message: `stream ${key}: expected content hashing to ${sha256} (manifest ${manifestKey}), got ${actual} (${bytes} bytes)` };
}

function distinctSorted(keys: readonly string[]): string[] {
  return [...new Set(keys)].sort();
}
