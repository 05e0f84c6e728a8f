import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { getStream } from '../../../src/verify/get-stream.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const layout = new KeyLayout('');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('getStream', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'get-stream-test-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a blob that hashes to its name, with its byte count', async () => {
    const store = new MemoryObjectStore();
    const body = Buffer.alloc(70_000, 'x');
    await store.put(layout.streamKey(sha(body)), body);
    const path = join(dir, 'out.bin');
    const result = await getStream({ store, layout }, sha(body), { kind: 'file', path });
    expect(result).toEqual({ kind: 'written', key: layout.streamKey(sha(body)), bytes: body.length, path });
    expect(await readFile(path)).toEqual(body);
  });

  it('a blob whose content does not hash to its name is corrupt (expected, got, bytes) and leaves the target as it was', async () => {
    const store = new MemoryObjectStore();
    const named = 'f'.repeat(64);
    const body = Buffer.from('not the content named f...f');
    await store.put(layout.streamKey(named), body);
    const path = join(dir, 'out.bin');
    await writeFile(path, 'previous');
    const result = await getStream({ store, layout }, named, { kind: 'file', path });
    expect(result).toEqual({ kind: 'corrupt', key: layout.streamKey(named), expected: named, got: sha(body), bytes: body.length });
    expect(await readFile(path, 'utf8')).toBe('previous');
    expect(await readdir(dir)).toEqual(['out.bin']);
  });

  it('a blob not in the store is missing', async () => {
    const result = await getStream({ store: new MemoryObjectStore(), layout }, 'e'.repeat(64), { kind: 'file', path: join(dir, 'out.bin') });
    expect(result).toEqual({ kind: 'missing', key: layout.streamKey('e'.repeat(64)) });
  });
});
