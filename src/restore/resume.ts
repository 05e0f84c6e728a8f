import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The restore's cursors in the file cache (STREAMVAULT_STATE_DIR/restore/<target id>/):
 *
 *   events.jsonl   one line per batch whose records all reached the target (acks from every replica)
 *   streams.jsonl  one line per (sha256, source, label) the stream target accepted
 *   target.json    what this target is (backup location, topic template, brokers), for people
 *
 * Lines are appended and fsynced; a torn last line (SIGKILL mid-write) is dropped at open. These
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

export interface PostedStreamLine {
  readonly sha256: string;
  readonly source: string;
  readonly label: string;
}

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

export class RestoreJournal {
  readonly dir: string;
  #batches: RestoredBatchLine[];
  #streams: Set<string>;
  #events: AppendOnlyLines;
  #streamLines: AppendOnlyLines;

  private constructor(dir: string, batches: RestoredBatchLine[], streams: Set<string>, events: AppendOnlyLines, streamLines: AppendOnlyLines) {
    this.dir = dir;
    this.#batches = batches;
    this.#streams = streams;
    this.#events = events;
    this.#streamLines = streamLines;
  }

  static async open(stateDir: string, identity: TargetIdentity): Promise<RestoreJournal> {
    const dir = join(stateDir, 'restore', targetId(identity));
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(join(dir, 'target.json'), `${JSON.stringify({ version: 1, ...identity }, null, 1)}\n`);
    const events = await AppendOnlyLines.open(join(dir, 'events.jsonl'));
    const streams = await AppendOnlyLines.open(join(dir, 'streams.jsonl'));
    return new RestoreJournal(
      dir,
      events.lines as unknown as RestoredBatchLine[],
      new Set((streams.lines as unknown as PostedStreamLine[]).map(streamLineKey)),
      events,
      streams,
    );
  }

  get batches(): readonly RestoredBatchLine[] {
    return this.#batches;
  }

  hasStream(s: PostedStreamLine): boolean {
    return this.#streams.has(streamLineKey(s));
  }

  async appendBatch(line: RestoredBatchLine): Promise<void> {
    await this.#events.append(line);
    this.#batches.push(line);
  }

  async appendStream(line: PostedStreamLine): Promise<void> {
    await this.#streamLines.append(line);
    this.#streams.add(streamLineKey(line));
  }

  /** Forgets what was restored before (a full restore follows). The old files are kept as `*.previous`. */
  async reset(): Promise<void> {
    await this.#events.reset();
    await this.#streamLines.reset();
    this.#batches = [];
    this.#streams = new Set();
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#events.close(), this.#streamLines.close()]);
  }
}

/** JSON lines appended one at a time, each fsynced before `append` resolves. */
class AppendOnlyLines {
  readonly #path: string;
  #handle: FileHandle;
  #chain: Promise<void> = Promise.resolve();
  readonly lines: unknown[];

  private constructor(path: string, handle: FileHandle, lines: unknown[]) {
    this.#path = path;
    this.#handle = handle;
    this.lines = lines;
  }

  static async open(path: string): Promise<AppendOnlyLines> {
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const lines: unknown[] = [];
    let validLength = 0;
    let position = 0;
    for (const raw of text.split('\n')) {
      const end = position + raw.length + 1;
      if (end > text.length) break; // no newline yet: a torn last line
      try {
        lines.push(JSON.parse(raw));
        validLength = end;
      } catch {
        break; // a torn line can only be the last one; nothing valid follows it
      }
      position = end;
    }
    // Cut the torn tail, or the next append would be glued to it and both lines lost.
    if (validLength < text.length) await truncate(path, Buffer.byteLength(text.slice(0, validLength)));
    return new AppendOnlyLines(path, await open(path, 'a'), lines);
  }

  append(line: unknown): Promise<void> {
    const next = this.#chain.then(async () => {
      await this.#handle.write(`${JSON.stringify(line)}\n`);
      await this.#handle.datasync();
    });
    this.#chain = next.catch(() => {});
    return next;
  }

  async reset(): Promise<void> {
    await this.#chain;
    await this.#handle.close();
    await rename(this.#path, `${this.#path}.previous`);
    this.#handle = await open(this.#path, 'a');
    await fsyncDir(this.#path);
    this.lines.length = 0;
  }

  async close(): Promise<void> {
    await this.#chain;
    await this.#handle.close();
  }
}

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
  await fsyncDir(path);
}

async function fsyncDir(path: string): Promise<void> {
  const dir = await open(join(path, '..'), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
