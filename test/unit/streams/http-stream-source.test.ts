import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildStreamUrl, HttpStreamSource } from '../../../src/streams/http-stream-source.js';
import { StreamSourceError } from '../../../src/streams/stream-source.js';

const sha256 = 'ab'.repeat(32);

describe('buildStreamUrl', () => {
  const ref = { source: '%2e%2e', label: 'la bel?#', sha256: 'ab'.repeat(32) };

  it('percent-encodes source and label as single URL segments', () => {
    expect(buildStreamUrl('{base}/api/v3/stream/{source}/{label}/{sha256}', 'http://h:1/', ref)).toBe(
      `http://h:1/api/v3/stream/%252e%252e/la%20bel%3F%23/${'ab'.repeat(32)}`,
    );
    expect(() => buildStreamUrl('{base}/{sha256}', 'http://h', { ...ref, sha256: '../x' })).toThrow(/expected a sha256/);
  });
});

describe('HttpStreamSource', () => {
  const ref = { source: 'samples', label: 'content', sha256 };
  const never = new AbortController().signal;

  function answering(response: Response | Error) {
    const requests: Array<{ url: string; headers: Record<string, string> }> = [];
    const fetchFake = (async (url: string, init: RequestInit) => {
      requests.push({ url, headers: init.headers as Record<string, string> });
      if (response instanceof Error) throw response;
      return response;
    }) as unknown as typeof fetch;
    return { requests, fetch: fetchFake };
  }

  async function read(body: Readable): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(Buffer.from(c as Uint8Array));
    return Buffer.concat(chunks).toString();
  }

  it('streams a 200 body with the size the source announced, asking with the bearer token', async () => {
    const fake = answering(new Response('blob bytes', { status: 200, headers: { 'content-length': '10' } }));
    const source = new HttpStreamSource({ baseUrl: 'https://platform/', urlTemplate: '{base}/api/v3/stream/{source}/{label}/{sha256}', token: 't0k', fetch: fake.fetch });
    const opened = await source.open(ref, never);
    expect(opened.kind === 'found' && opened.size).toBe(10);
    expect(opened.kind === 'found' && (await read(opened.body))).toBe('blob bytes');
    expect(fake.requests).toEqual([
      { url: `https://platform/api/v3/stream/samples/content/${sha256}`, headers: { accept: 'application/octet-stream', authorization: 'Bearer t0k' } },
    ]);
  });

  it('sends no authorization without a token, and no size when none was announced', async () => {
    const fake = answering(new Response(Readable.toWeb(Readable.from([Buffer.from('x')])) as ReadableStream, { status: 200 }));
    const opened = await new HttpStreamSource({ baseUrl: 'http://h', urlTemplate: '{base}/{sha256}', token: '', fetch: fake.fetch }).open(ref, never);
    expect(opened.kind === 'found' && opened.size).toBeUndefined();
    expect(fake.requests[0]!.headers).toEqual({ accept: 'application/octet-stream' });
  });

  it('answers missing for 404 and 410, naming the URL without its query', async () => {
    for (const status of [404, 410]) {
      const fake = answering(new Response('gone', { status }));
      const opened = await new HttpStreamSource({ baseUrl: 'http://h', urlTemplate: '{base}/s/{sha256}?token=secret', token: '', fetch: fake.fetch }).open(ref, never);
      expect(opened).toEqual({ kind: 'missing', detail: `GET http://h/s/${sha256} answered ${status}` });
    }
  });

  it('fails other answers as StreamSourceError: 5xx, 429 and 408 retriable, the rest not, the token never shown', async () => {
    const outcomes = [];
    for (const status of [500, 429, 408, 403, 400]) {
      const fake = answering(new Response('no', { status }));
      const source = new HttpStreamSource({ baseUrl: 'http://h', urlTemplate: '{base}/s/{sha256}?token=secret', token: 'secret', fetch: fake.fetch });
      const error = await source.open(ref, never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StreamSourceError);
      expect((error as Error).message).not.toContain('secret');
      outcomes.push([status, (error as StreamSourceError).retriable]);
    }
    expect(outcomes).toEqual([[500, true], [429, true], [408, true], [403, false], [400, false]]);
  });

  it('fails a request that got no answer as retriable, with the cause undici wrapped', async () => {
    const fake = answering(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }));
    const error = await new HttpStreamSource({ baseUrl: 'http://h', urlTemplate: '{base}/s/{sha256}', token: '', fetch: fake.fetch }).open(ref, never).catch((e: unknown) => e);
    expect(error).toMatchObject({ retriable: true, message: `GET http://h/s/${sha256}: expected a response, got ECONNREFUSED` });
  });

  it('an abort is passed on as the abort, not as a source failure', async () => {
    const controller = new AbortController();
    const reason = new Error('shutting down');
    controller.abort(reason);
    const fake = answering(new DOMException('aborted', 'AbortError'));
    await expect(new HttpStreamSource({ baseUrl: 'http://h', urlTemplate: '{base}/{sha256}', token: '', fetch: fake.fetch }).open(ref, controller.signal)).rejects.toBe(reason);
  });
});
