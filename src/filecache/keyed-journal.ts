import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { z } from 'zod';
import { fsyncDirectory } from './fsync-directory.js';

/**
 * The file operations a journal uses; the default is node:fs/promises. A seam so tests can make
 * `write` return short counts or fail with ENOSPC, which a real disk does only when nearly full.
 */
export interface JournalFs {
  open(path: string, flags: string): Promise<FileHandle>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: boolean }): Promise<void>;
}

export const nodeJournalFs: JournalFs = { open, rename, rm };

/**
 * A journal write that did not land whole. `code` is the errno when the system gave one
 * (`ENOSPC`: the state directory's file system is full), `SHORT_WRITE` when a write made no
 * progress. `broken`: the journal could not cut the partial line off and refuses further writes.
 */
export class JournalWriteError extends Error {
  readonly code: string;
  readonly broken: boolean;

  constructor(message: string, code: string, broken: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JournalWriteError';
    this.code = code;
    this.broken = broken;
  }
}

/**
 * Writes all of `bytes` at `position`. POSIX lets write(2) return fewer bytes than asked (a nearly
 * full disk does): the rest is written by further calls; a call that writes nothing is ENOSPC in
 * all but name, and fails.
 */
async function writeFully(handle: FileHandle, bytes: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, position + written);
    if (!Number.isInteger(bytesWritten) || bytesWritten <= 0) {
      throw Object.assign(new Error(`expected to write ${bytes.length - written} more bytes, the system wrote ${bytesWritten} (disk full?)`), {
        code: 'SHORT_WRITE',
      });
    }
    written += bytesWritten;
  }
}

/**
 * A durable map kept as an append-only file of JSON lines: `{"op":"put","value":...}` and
 * `{"op":"del","key":...}`. `apply` resolves only once its lines are written and fdatasync'ed,
 * so a caller may acknowledge work (commit Kafka offsets) as soon as it resolves.
 *
 * Crash safety:
 * - a crash mid-append leaves at most a torn last line (no trailing newline); it is ignored at
 *   open, and the file is rewritten at open (compaction), so no later append is glued onto it;
 * - compaction writes the live entries to a temporary file, fsyncs it, renames it over the
 *   journal and fsyncs the directory: a crash leaves either the old or the new file, both whole;
 * - every line is validated again when read: a damaged or hostile line is skipped and reported,
 *   never trusted (values are parsed with the caller's zod schema).
 * Concurrent `apply` calls are group-committed: one write and one fdatasync for all waiting.
 * One process at a time may hold a journal open for writing (see state-lock.ts).
 */
export class KeyedJournal<V> {
  readonly path: string;
  readonly #schema: z.ZodType<V>;
  readonly #keyOf: (value: V) => string;
  readonly #entries: Map<string, V>;
  readonly #fs: JournalFs;
  #handle: FileHandle | undefined;
  /** Bytes of whole lines in the file; a failed write is truncated back to this. */
  #size = 0;
  /** Lines in the file that no longer describe a live entry; compaction removes them. */
  #dead = 0;
  #queue: QueueItem<V>[] = [];
  #flushing: Promise<void> | undefined;
  #broken: JournalWriteError | undefined;
  #closed = false;

  private constructor(path: string, schema: z.ZodType<V>, keyOf: (value: V) => string, entries: Map<string, V>, fs: JournalFs) {
    this.path = path;
    this.#fs = fs;
    this.#schema = schema;
    this.#keyOf = keyOf;
    this.#entries = entries;
  }

  /**
   * Reads the journal (missing file = empty), keeps every valid line, then compacts it unless
   * `readonly`. The key of an entry is always recomputed from its validated value (`keyOf`), never
   * taken from the file. `problems` lists what was skipped, with line numbers, for the log.
   */
  static async open<V>(
    path: string,
    schema: z.ZodType<V>,
    keyOf: (value: V) => string,
    options: { readonly?: boolean; fs?: JournalFs } = {},
  ): Promise<{ journal: KeyedJournal<V>; problems: string[] }> {
    const fs = options.fs ?? nodeJournalFs;
    const { entries, problems } = await readJournal(path, schema, keyOf, fs);
    const journal = new KeyedJournal(path, schema, keyOf, entries, fs);
    if (options.readonly) journal.#closed = true;
    else await journal.#rewrite();
    return { journal, problems };
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): V | undefined {
    return this.#entries.get(key);
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** Set once a failed write could not be cut off: nothing more can be made durable here. */
  get broken(): JournalWriteError | undefined {
    return this.#broken;
  }

  values(): V[] {
    return [...this.#entries.values()];
  }

  /** Durably records `ops`; resolves after fdatasync. The in-memory view changes only then. */
  apply(ops: readonly JournalOp<V>[]): Promise<void> {
    if (ops.length === 0) return Promise.resolve();
    const invalid = this.#invalid(ops.flatMap((op) => (op.op === 'put' ? [op.value] : [])));
    if (invalid) return Promise.reject(invalid);
    return this.#enqueue({ kind: 'ops', ops: [...ops] });
  }

  put(value: V): Promise<void> {
    return this.apply([{ op: 'put', value }]);
  }

  delete(key: string): Promise<void> {
    return this.apply([{ op: 'del', key }]);
  }

  /** Replaces the whole content (e.g. `clear`) atomically, in order with appends. */
  replaceAll(values: readonly V[]): Promise<void> {
    const invalid = this.#invalid(values);
    if (invalid) return Promise.reject(invalid);
    return this.#enqueue({ kind: 'replace', values: [...values] });
  }

  /** Never write what would be rejected when reading. */
  #invalid(values: readonly V[]): Error | undefined {
    for (const value of values) {
      const parsed = this.#schema.safeParse(value);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ');
        return new Error(`journal ${this.path}: expected a valid entry, got ${issues}`);
      }
    }
    return undefined;
  }

  async close(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    this.#closed = true;
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
  }

  #enqueue(item: QueueWork<V>): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`journal ${this.path} is closed; expected it open for writing`));
    if (this.#broken) return Promise.reject(this.#broken);
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ ...item, resolve, reject } as QueueItem<V>);
      this.#flushing ??= this.#flushLoop();
    });
  }

  async #flushLoop(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        // Group every queued append up to the next replace: one write, one fdatasync.
        const end = this.#queue.findIndex((item) => item.kind === 'replace');
        const group = end === 0 ? this.#queue.splice(0, 1) : this.#queue.splice(0, end === -1 ? this.#queue.length : end);
        try {
          const first = group[0]!;
          if (first.kind === 'replace') {
            this.#entries.clear();
            for (const value of first.values) this.#entries.set(this.#keyOf(value), value);
            await this.#rewrite();
          } else {
            await this.#write(group.flatMap((g) => (g.kind === 'ops' ? g.ops : [])));
          }
          for (const g of group) g.resolve();
        } catch (error) {
          if (group[0]?.kind === 'replace') this.#breakIfClosed(error);
          for (const g of group) g.reject(error as Error);
        }
        if (this.#dead > Math.max(1000, this.#entries.size)) {
          // On failure the journal is still whole (the temporary file is left unused); the next
          // threshold crossing tries again.
          await this.#rewrite().catch((error: unknown) => {
            this.#dead = 0;
            this.#breakIfClosed(error);
          });
        }
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  /** A rewrite that failed after closing the old file leaves nothing to append to. */
  #breakIfClosed(error: unknown): void {
    if (this.#handle || this.#broken) return;
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    this.#broken = new JournalWriteError(`journal ${this.path} could not be reopened after a rewrite (${code}: ${(error as Error).message}); nothing more can be made durable in it`, code, true, { cause: error });
  }

  async #write(ops: JournalOp<V>[]): Promise<void> {
    const handle = this.#handle;
    if (!handle) throw new Error(`journal ${this.path} is not open`);
    const text = ops.map((op) => JSON.stringify(op.op === 'put' ? { op: 'put', value: op.value } : { op: 'del', key: op.key })).join('\n') + '\n';
    const bytes = Buffer.from(text, 'utf8');
    try {
      await writeFully(handle, bytes, this.#size);
      await handle.datasync();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
      const why = code === 'ENOSPC' ? 'ENOSPC: the state directory\'s file system is full' : `${code}: ${(error as Error).message}`;
      // Cut a partial line off so the next append does not continue it (nor a later read skip an
      // acknowledged line glued to it); if even that fails, the journal refuses further writes.
      try {
        await handle.truncate(this.#size);
        await handle.datasync();
      } catch (truncateError) {
        this.#broken = new JournalWriteError(
          `journal ${this.path} is damaged after a failed write (${why}) and could not be cut back to ${this.#size} bytes: ${(truncateError as Error).message}; nothing more can be made durable in it`,
          code,
          true,
          { cause: error },
        );
        throw this.#broken;
      }
      throw new JournalWriteError(`journal ${this.path}: expected to append ${bytes.length} bytes and fdatasync, got ${why}`, code, false, { cause: error });
    }
    this.#size += bytes.length;
    for (const op of ops) {
      if (op.op === 'put') {
        const key = this.#keyOf(op.value);
        if (this.#entries.has(key)) this.#dead += 1;
        this.#entries.set(key, op.value);
      } else {
        // The del line itself is dead weight, and so is the put it cancels.
        this.#dead += this.#entries.delete(op.key) ? 2 : 1;
      }
    }
  }

  async #rewrite(): Promise<void> {
    const temporary = `${this.path}.tmp`;
    const text = [...this.#entries.values()].map((value) => `${JSON.stringify({ op: 'put', value })}\n`).join('');
    const bytes = Buffer.from(text, 'utf8');
    const out = await this.#fs.open(temporary, 'w');
    try {
      await writeFully(out, bytes, 0);
      await out.sync();
    } catch (error) {
      await out.close().catch(() => {});
      // Give the space back: on a full disk the half-written copy is what fills it.
      await this.#fs.rm(temporary, { force: true }).catch(() => {});
      throw error;
    }
    await out.close();
    await this.#handle?.close();
    this.#handle = undefined;
    await this.#fs.rename(temporary, this.path);
    await fsyncDirectory(dirname(this.path), this.#fs);
    // r+ rather than a: positional writes at #size keep appends exact after a truncate.
    this.#handle = await this.#fs.open(this.path, 'r+');
    this.#size = bytes.length;
    this.#dead = 0;
  }
}

type QueueWork<V> = { kind: 'ops'; ops: JournalOp<V>[] } | { kind: 'replace'; values: V[] };
type QueueItem<V> = QueueWork<V> & { resolve: () => void; reject: (error: Error) => void };

export type JournalOp<V> = { op: 'put'; value: V } | { op: 'del'; key: string };

const CHUNK = 1024 * 1024;

/** Reads line by line without holding the file whole: it can be large after a long outage. */
async function readJournal<V>(
  path: string,
  schema: z.ZodType<V>,
  keyOf: (value: V) => string,
  fs: JournalFs,
): Promise<{ entries: Map<string, V>; problems: string[] }> {
  const entries = new Map<string, V>();
  const problems: string[] = [];
  let handle: FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (error) {
    // A leftover `.tmp` from a crash during compaction is simply overwritten by the next one.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries, problems };
    throw error;
  }
  try {
    let carry = Buffer.alloc(0);
    let lineNumber = 0;
    const buffer = Buffer.alloc(CHUNK);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) break;
      let data = Buffer.concat([carry, buffer.subarray(0, bytesRead)]);
      let newline = data.indexOf(0x0a);
      while (newline !== -1) {
        lineNumber += 1;
        applyLine(data.subarray(0, newline).toString('utf8'), lineNumber, schema, keyOf, entries, problems);
        data = data.subarray(newline + 1);
        newline = data.indexOf(0x0a);
      }
      carry = Buffer.from(data);
    }
    if (carry.length > 0) {
      problems.push(`line ${lineNumber + 1}: torn last line (${carry.length} bytes without a newline, a write cut short by a crash); ignored`);
    }
  } finally {
    await handle.close();
  }
  return { entries, problems };
}

function applyLine<V>(
  line: string,
  lineNumber: number,
  schema: z.ZodType<V>,
  keyOf: (value: V) => string,
  entries: Map<string, V>,
  problems: string[],
): void {
  if (line.trim() === '') return;
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    problems.push(`line ${lineNumber}: expected a JSON object, got ${line.length} characters that do not parse; skipped`);
    return;
  }
  const record = (typeof json === 'object' && json !== null ? json : {}) as { op?: unknown; key?: unknown; value?: unknown };
  if (record.op === 'del' && typeof record.key === 'string') {
    entries.delete(record.key);
    return;
  }
  if (record.op !== 'put') {
    problems.push(`line ${lineNumber}: expected {"op":"put","value":...} or {"op":"del","key":"..."}, got another shape; skipped`);
    return;
  }
  const parsed = schema.safeParse(record.value);
  if (!parsed.success) {
    problems.push(`line ${lineNumber}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')}; skipped`);
    return;
  }
  entries.set(keyOf(parsed.data), parsed.data);
}
