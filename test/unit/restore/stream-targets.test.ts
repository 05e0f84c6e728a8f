import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { directoryStreamPath, directoryStreamTarget, httpStreamTarget, s3StreamTarget, StreamTargetError } from '../../../src/restore/stream-targets.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const sha256 = 'ab'.repeat(32);
const ref = { source: 'my source', label: 'a&b', sha256 };

function blobFile(content = 'blob bytes'): string {
  const file = join(makeTempDir('blob-'), 'f');
  writeFileSync(file, content);
  return file;
}

describe('httpStreamTarget', () => {
  const requests: Array<{ url: string; method: string; headers: Record<string, string>; body: string }> = [];
  function answer(...responses: Array<number | Error>) {
    requests.length = 0;
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      const body = init.body instanceof Blob ? await init.body.text() : '';
      requests.push({ url, method: init.method!, headers: (init.headers ?? {}) as Record<string, string>, body });
      const next = responses.shift()!;
      if (next instanceof Error) throw next;
      return new Response(next === 204 ? null : 'answer text', { status: next });
    });
  }
  afterEach(() => void vi.unstubAllGlobals());

  const target = (template: string) =>
    httpStreamTarget({ base: 'http://platform:8080/', template, existsTemplate: '{base}/streams/{source}/{label}/{sha256}', timeoutMs: 1_000 });

  it('posts the file to the rendered URL, source and label percent-encoded, the hash in the URL', async () => {
    answer(201);
    await target('{base}/streams/{source}/{label}?expected-sha256={sha256}').put(ref, blobFile(), 10);
    expect(requests).toEqual([
      { url: `http://platform:8080/streams/my%20source/a%26b?expected-sha256=${sha256}`, method: 'POST', headers: {}, body: 'blob bytes' },
    ]);
  });

  it('sends the hash in x-expected-sha256 when the template has no {sha256}', async () => {
    answer(200);
    await target('{base}/streams/{source}/{label}').put(ref, blobFile(), 10);
    expect(requests[0]!.headers).toEqual({ 'x-expected-sha256': sha256 });
  });

  it('fails a post with what it expected and what came back; a 5xx or 429 is retriable, a 4xx is not', async () => {
    answer(400, 503, 429);
    const t = target('{base}/s/{sha256}');
    const errors = [];
    for (let i = 0; i < 3; i++) errors.push(await t.put(ref, blobFile(), 10).catch((e: unknown) => e));
    expect(errors.map((e) => e instanceof StreamTargetError && [e.retriable, e.message])).toEqual([
      [false, `POST http://platform:8080/s/${sha256}: expected a 2xx answer, got 400 answer text`],
      [true, `POST http://platform:8080/s/${sha256}: expected a 2xx answer, got 503 answer text`],
      [true, `POST http://platform:8080/s/${sha256}: expected a 2xx answer, got 429 answer text`],
    ]);
  });

  it('a post that cannot reach the platform is retriable', async () => {
    answer(new TypeError('fetch failed'));
    const error = await target('{base}/s/{sha256}').put(ref, blobFile(), 10).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamTargetError);
    expect(error).toMatchObject({ retriable: true, message: `POST http://platform:8080/s/${sha256}: fetch failed` });
  });

  it('asks the existence URL: 200 is present, 404 absent, anything else an error', async () => {
    answer(200, 404, 500);
    const t = target('{base}/s?expected-sha256={sha256}');
    expect(await t.has(ref)).toBe(true);
    expect(await t.has(ref)).toBe(false);
    await expect(t.has(ref)).rejects.toMatchObject({ retriable: true, message: `GET http://platform:8080/streams/my%20source/a%26b/${sha256}: expected 200 or 404, got 500` });
    expect(requests.map((r) => r.method)).toEqual(['GET', 'GET', 'GET']);
  });
});

describe('s3StreamTarget', () => {
  it('puts the blob under the rendered key with its sha256 as metadata, and finds it there', async () => {
    const store = new MemoryObjectStore();
    const target = s3StreamTarget({ store, keyTemplate: 'streams/{source}/{label}/{sha256_2}/{sha256}' });
    const key = `streams/my%20source/a%26b/ab/${sha256}`;
    expect(await target.has(ref)).toBe(false);
    await target.put(ref, blobFile(), 10);
    expect(store.objects.get(key)).toEqual({ body: Buffer.from('blob bytes'), options: { metadata: { sha256 } } });
    expect(await target.has(ref)).toBe(true);
    expect(target.description).toBe('s3://memory');
  });

  it('reports a failed put as retriable, naming the bucket and key', async () => {
    const store = new MemoryObjectStore();
    store.failNext = () => new Error('slow down');
    const target = s3StreamTarget({ store, keyTemplate: '{sha256}' });
    await expect(target.put(ref, blobFile(), 10)).rejects.toMatchObject({ retriable: true, message: `put s3://memory/${sha256}: slow down` });
  });
});

describe('directoryStreamTarget', () => {
  it('copies the blob to {dir}/{source}/{label}/{sha256}, each segment encoded, with no partial file left', async () => {
    const dir = makeTempDir('target-');
    const target = directoryStreamTarget({ dir });
    const path = directoryStreamPath(dir, ref);
    expect(path).toBe(join(dir, 'my%20source', 'a%26b', sha256));
    expect(await target.has(ref)).toBe(false);
    await target.put(ref, blobFile('copied'), 6);
    expect(readFileSync(path, 'utf8')).toBe('copied');
    expect(readdirSync(join(dir, 'my%20source', 'a%26b'))).toEqual([sha256]);
    expect(await target.has(ref)).toBe(true);
  });

  it('fails a copy that cannot be made, not retriable, naming the path', async () => {
    const dir = makeTempDir('target-');
    const target = directoryStreamTarget({ dir });
    const missing = join(dir, 'no-such-file');
    const error = await target.put(ref, missing, 1).catch((e: unknown) => e);
    expect(error).toMatchObject({ retriable: false });
    expect((error as Error).message).toContain(`copy to ${directoryStreamPath(dir, ref)}: ENOENT`);
    expect(existsSync(directoryStreamPath(dir, ref))).toBe(false);
  });
});
