import { createHash } from 'node:crypto';
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { fsyncDirectory } from '../filecache/fsync-directory.js';
import { KeyedJournal } from '../filecache/keyed-journal.js';
import { streamRefShape, type StreamRef } from '../refs/stream-ref.js';

/**
 * The restore's cursors in the file cache (STREAMVAULT_STATE_DIR/restore/<target id>/):
 *
 *   events.jsonl   one line per batch whose records all reached the target (acks from every replica)
 *   streams.jsonl  one line per (sha256, source, label) the stream target accepted
 *   target.json    what this target is (backup location, topic template, brokers), for people
 *
 * Lines are appended and fsynced; a torn last line (SIGKILL mid-write) is ignored at open. These
 * files are hints: where each target partition continues is decided by reading the target (see
 * target-scan.ts), and the batch lines are what the incremental check compares the target with.
 */
export interface RestoredBatchLine {
  /** Backup object key. */
  readonly key: string;
  /** Original topic and partition. */
  readonly topic: string;
  readonly partition: number;
  readonly targetTopic: string;
  /** First and last original offset produced from this batch in the run that finished it. */
  readonly from: string;
  readonly to: string;
  readonly count: number;
  /** Sum of record digests (restored-record.ts), hex. */
  readonly digest: string;
  /** Per target partition: first and last target offset this batch's records were written at. */
  readonly targets: Readonly<Record<string, readonly [string, string]>>;
  /**
   * Per target partition of the target topic: an offset at or below which nothing of this original
   * partition was written after this line (the partition's end as this run knew it). A quick check
   * reads from here, so records of a later, unfinished batch cannot hide below where it reads.
   */
  readonly after: Readonly<Record<string, string>>;
}

/** One line of `streams.jsonl`: a blob posted to the stream target under this reference. */
export type PostedStreamLine = StreamRef;

export interface TargetIdentity {
  readonly backup: string;
  readonly topicTemplate: string;
  readonly streamTarget: string;
  readonly brokers: readonly string[];
}

/**
 * Brokers are left out on purpose: a platform rebuilt after an outage often comes back at new
 * addresses, and it is the incremental check, not the address, that decides whether the target
 * still holds what was restored before.
 */
export function targetId(identity: TargetIdentity): string {
  return createHash('sha256')
    .update(`${identity.backup}\u0000${identity.topicTemplate}\u0000${identity.streamTarget}`)
    .digest('hex')
    .slice(0, 16);
}

export function streamLineKey(s: PostedStreamLine): string {
  return `${s.sha256}\u0000${s.source}\u0000${s.label}`;
}

const offset = z.string().regex(/^-?\d{1,20}$/);

const restoredBatchLineSchema: z.ZodType<RestoredBatchLine> = z.object({
  key: z.string().min(1),
  topic: z.string().min(1),
  partition: z.number().int().nonnegative(),
  targetTopic: z.string().min(1),
  from: offset,
  to: offset,
  count: z.number().int().nonnegative(),
  digest: z.string().regex(/^[0-9a-f]+$/),
  targets: z.record(z.string(), z.tuple([offset, offset])),
  after: z.record(z.string(), offset),
});

// The one reference validation of every file that stores one (refs/stream-ref.ts).
const postedStreamLineSchema: z.ZodType<PostedStreamLine> = z.object(streamRefShape);

type OpenedFiles = [KeyedJournal<RestoredBatchLine>, KeyedJournal<PostedStreamLine>, readonly string[]];

/** One line per batch and target topic; a batch finished again (after a reset) replaces its line. */
const batchLineKey = (line: RestoredBatchLine) => `${line.targetTopic}\u0000${line.key}`;

/**
 * Both files are KeyedJournals (src/filecache/keyed-journal.ts), the same crash-safe JSON-lines
 * store the stream journals use: appends are fdatasync'ed before they resolve, a torn last line is
 * ignored, and every line is validated again when read.
 */
export class RestoreJournal {
  readonly dir: string;
  #events: KeyedJournal<RestoredBatchLine>;
  #streams: KeyedJournal<PostedStreamLine>;
  #problems: readonly string[];

  private constructor(dir: string, [events, streams, problems]: OpenedFiles) {
    this.dir = dir;
    this.#problems = problems;
    this.#events = events;
    this.#streams = streams;
  }

  static async open(stateDir: string, identity: TargetIdentity): Promise<RestoreJournal> {
    const dir = join(stateDir, 'restore', targetId(identity));
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(join(dir, 'target.json'), `${JSON.stringify({ version: 1, ...identity }, null, 1)}\n`);
    return new RestoreJournal(dir, await RestoreJournal.#openFiles(dir));
  }

  static async #openFiles(dir: string): Promise<OpenedFiles> {
    const events = await KeyedJournal.open(join(dir, EVENTS_FILE), restoredBatchLineSchema, batchLineKey);
    const streams = await KeyedJournal.open(join(dir, STREAMS_FILE), postedStreamLineSchema, streamLineKey);
    const problems = [...events.problems.map((p) => `${EVENTS_FILE} ${p}`), ...streams.problems.map((p) => `${STREAMS_FILE} ${p}`)];
    return [events.journal, streams.journal, problems];
  }

  /**
   * Lines skipped when the files were last opened (torn by a crash, or not valid: the files can be
   * edited), each as `<file> line <n>: <why>`, for the runner's log. What they recorded is redone.
   */
  get problems(): readonly string[] {
    return this.#problems;
  }

  /** In the order the batches were finished. */
  get batches(): readonly RestoredBatchLine[] {
    return this.#events.values();
  }

  hasStream(s: PostedStreamLine): boolean {
    return this.#streams.has(streamLineKey(s));
  }

  async appendBatch(line: RestoredBatchLine): Promise<void> {
    // Delete first so that a batch finished again moves to the end: order is finishing order.
    await this.#events.apply([
      { op: 'del', key: batchLineKey(line) },
      { op: 'put', value: line },
    ]);
  }

  async appendStream(line: PostedStreamLine): Promise<void> {
    await this.#streams.put(line);
  }

  /** Forgets what was restored before (a full restore follows). The old files are kept as `*.previous`. */
  async reset(): Promise<void> {
    await this.close();
    for (const name of [EVENTS_FILE, STREAMS_FILE]) {
      await rename(join(this.dir, name), join(this.dir, `${name}.previous`)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    }
    await fsyncDirectory(this.dir);
    [this.#events, this.#streams, this.#problems] = await RestoreJournal.#openFiles(this.dir);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#events.close(), this.#streams.close()]);
  }
}

const EVENTS_FILE = 'events.jsonl';
const STREAMS_FILE = 'streams.jsonl';

/** Write to a temporary file, fsync, rename over the target, fsync the directory. */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  await fsyncDirectory(dirname(path));
}
