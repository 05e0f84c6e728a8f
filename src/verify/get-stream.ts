import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { KeyLayout } from '../storage/key-layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import { HashMismatchError, Sha256Stream } from '../storage/sha256-stream.js';
import { openStoredStreamIfExists } from '../streams/stream-encoding.js';

export type GetStreamTarget = { kind: 'file'; path: string } | { kind: 'stream'; out: NodeJS.WritableStream };

export type GetStreamResult =
  | { kind: 'written'; key: string; bytes: number; path?: string }
  | { kind: 'missing'; key: string }
  | { kind: 'corrupt'; key: string; expected: string; got: string; bytes: number };

/**
 * Downloads one blob and hands it over only once its content hashes to its name. The bytes go
 * to a temporary file first (next to the target, so the final rename is atomic); a damaged blob
 * leaves nothing behind, and an existing file at the target is only replaced by verified content.
 */
export async function getStream(
  deps: { store: ObjectStore; layout: KeyLayout },
  sha256: string,
  target: GetStreamTarget,
): Promise<GetStreamResult> {
  const key = deps.layout.streamKey(sha256);
  const scratchDir = target.kind === 'file' ? undefined : await mkdtemp(join(tmpdir(), 'streamvault-get-'));
  const temp =
    target.kind === 'file'
      ? join(dirname(target.path), `.${basename(target.path)}.${randomBytes(4).toString('hex')}.partial`)
      : join(scratchDir!, sha256);
  try {
    const body = await openStoredStreamIfExists(deps.store, key);
    if (!body) return { kind: 'missing', key };
    const hasher = new Sha256Stream({ expectedSha256: sha256 });
    try {
      await pipeline(body, hasher, createWriteStream(temp, { flags: 'wx' }));
    } catch (error) {
      if (!(error instanceof HashMismatchError)) throw error;
      return { kind: 'corrupt', key, expected: sha256, got: error.actual, bytes: error.bytes };
    }
    const bytes = hasher.bytes;
    if (target.kind === 'file') {
      await rename(temp, target.path);
      return { kind: 'written', key, bytes, path: target.path };
    }
    await pipeline(createReadStream(temp), target.out, { end: false });
    return { kind: 'written', key, bytes };
  } finally {
    await rm(temp, { force: true });
    if (scratchDir) await rm(scratchDir, { recursive: true, force: true });
  }
}
