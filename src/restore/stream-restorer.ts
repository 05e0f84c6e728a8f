import { openStoredStream } from '../streams/stream-encoding.js';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import PQueue from 'p-queue';
import pRetry, { AbortError } from 'p-retry';
import type { Logger } from '../observability/logger.js';
import type { ObjectStore } from '../storage/object-store.js';
import { HashMismatchError, Sha256Stream } from '../storage/sha256-stream.js';
import type { PlannedStream, StreamReference } from './restore-plan.js';
import type { RestoreJournal } from './restore-journal.js';
import type { Spool } from './spool.js';
import { StreamTargetError, type StreamTarget } from './stream-targets.js';

export type StreamPostOutcome =
  | { kind: 'posted' }
  | { kind: 'already-restored' }
  | { kind: 'skipped-existing' }
  /** The daemon recorded that the source never had it (streams-missing marker): nothing to post. */
  | { kind: 'unavailable-at-source' }
  | { kind: 'failed'; item: string; error: string };

export interface StreamRestoreResult {
  posted: number;
  alreadyRestored: number;
  skippedExisting: number;
  unavailableAtSource: number;
  failed: number;
}

export interface StreamRestorerDeps {
  readonly store: ObjectStore;
  readonly target: StreamTarget;
  readonly journal: RestoreJournal;
  readonly logger: Logger;
  /** Where verified copies wait for their posts; each is deleted when its posts finished. */
  readonly spool: Spool;
  readonly concurrency: number;
  readonly retries: number;
  readonly skipExisting: boolean;
  readonly onProgress: (files: number, bytes: number) => void;
  readonly onError: (item: string, error: string) => void;
}

/**
 * Streams first: each blob is downloaded once from the backup into the spool, its sha256 checked
 * on the way, and only a verified copy is posted, once per (source, label) referencing it. A
 * mismatch is reported with the backup key and never posted.
 */
export async function restoreStreams(streams: readonly PlannedStream[], deps: StreamRestorerDeps): Promise<StreamRestoreResult> {
  const queue = new PQueue({ concurrency: deps.concurrency });
  const result: StreamRestoreResult = { posted: 0, alreadyRestored: 0, skippedExisting: 0, unavailableAtSource: 0, failed: 0 };
  await Promise.all(
    streams.map((stream) =>
      queue.add(async () => {
        const outcomes = await restoreOne(stream, deps);
        for (const [ref, outcome] of outcomes) {
          // Progress counts what is done: a post that failed is not (a failed restore never reaches 100%).
          if (outcome.kind !== 'failed') deps.onProgress(1, stream.size ?? 0);
          if (outcome.kind === 'posted') result.posted += 1;
          else if (outcome.kind === 'already-restored') result.alreadyRestored += 1;
          else if (outcome.kind === 'skipped-existing') result.skippedExisting += 1;
          else if (outcome.kind === 'unavailable-at-source') {
            result.unavailableAtSource += 1;
            deps.logger.warn({ sha256: stream.sha256, source: ref.source, label: ref.label }, 'stream unavailable at the source when it was backed up (streams-missing marker); not restored');
          } else {
            result.failed += 1;
            deps.onError(outcome.item, outcome.error);
            deps.logger.error({ sha256: stream.sha256, source: ref.source, label: ref.label, err: outcome.error }, 'stream not restored');
          }
        }
      }),
    ),
  );
  return result;
}

async function restoreOne(stream: PlannedStream, deps: StreamRestorerDeps): Promise<Array<[StreamReference, StreamPostOutcome]>> {
  if (stream.size === undefined && stream.unavailableAtSource) return stream.references.map((ref) => [ref, { kind: 'unavailable-at-source' }]);
  const todo: StreamReference[] = [];
  const outcomes: Array<[StreamReference, StreamPostOutcome]> = [];
  for (const ref of stream.references) {
    if (deps.journal.hasStream({ sha256: stream.sha256, ...ref })) outcomes.push([ref, { kind: 'already-restored' }]);
    else todo.push(ref);
  }
  if (todo.length === 0) return outcomes;

  const pending: StreamReference[] = [];
  for (const ref of todo) {
    if (deps.skipExisting) {
      try {
        if (await deps.target.has({ sha256: stream.sha256, ...ref })) {
          await deps.journal.appendStream({ sha256: stream.sha256, ...ref });
          outcomes.push([ref, { kind: 'skipped-existing' }]);
          continue;
        }
      } catch (error) {
        deps.logger.warn({ sha256: stream.sha256, err: (error as Error).message }, 'could not ask the target whether it has the stream; posting it');
      }
    }
    pending.push(ref);
  }
  if (pending.length === 0) return outcomes;

  const file = deps.spool.fileFor(stream.sha256);
  try {
    const fetched = await download(stream, deps.store, file);
    if (fetched.kind === 'failed') return [...outcomes, ...pending.map((ref): [StreamReference, StreamPostOutcome] => [ref, fetched])];
    for (const ref of pending) {
      const posted = await post(stream, ref, file, fetched.size, deps);
      if (posted.kind === 'posted') await deps.journal.appendStream({ sha256: stream.sha256, ...ref });
      outcomes.push([ref, posted]);
    }
    return outcomes;
  } finally {
    await rm(file, { force: true });
  }
}

async function download(
  stream: PlannedStream,
  store: ObjectStore,
  file: string,
): Promise<{ kind: 'verified'; size: number } | { kind: 'failed'; item: string; error: string }> {
  if (stream.size === undefined) return { kind: 'failed', item: stream.key, error: `missing backup object ${stream.key}` };
  const hasher = new Sha256Stream({ expectedSha256: stream.sha256 });
  try {
    await pipeline(await openStoredStream(store, stream.key), hasher, createWriteStream(file));
  } catch (error) {
    if (error instanceof HashMismatchError) {
      const { expected, actual, bytes } = error;
      return { kind: 'failed', item: stream.key, error: `backup object ${stream.key}: expected sha256 ${expected}, got ${actual} (${bytes} bytes); not posted` };
    }
    return { kind: 'failed', item: stream.key, error: `cannot read backup object ${stream.key}: ${(error as Error).message}` };
  }
  return { kind: 'verified', size: hasher.bytes };
}

async function post(stream: PlannedStream, ref: StreamReference, file: string, size: number, deps: StreamRestorerDeps): Promise<StreamPostOutcome> {
  try {
    await pRetry(
      async () => {
        try {
          await deps.target.put({ sha256: stream.sha256, ...ref }, file, size);
        } catch (error) {
          if (error instanceof StreamTargetError && !error.retriable) throw new AbortError(error);
          throw error;
        }
      },
      { retries: deps.retries, minTimeout: 200, maxTimeout: 5_000, randomize: true },
    );
    return { kind: 'posted' };
  } catch (error) {
    return { kind: 'failed', item: `${ref.source}/${ref.label}/${stream.sha256}`, error: (error as Error).message };
  }
}
