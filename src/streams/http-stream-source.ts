import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { StreamRef } from '../refs/stream-ref.js';
import { renderStreamTemplate } from '../refs/stream-template.js';
import { StreamSourceError, type OpenedStream, type StreamSource } from './stream-source.js';

export interface HttpStreamSourceOptions {
  /** `{base}` of the template, e.g. `https://platform.example/`; a trailing slash is dropped. */
  readonly baseUrl: string;
  /** e.g. `{base}/api/v3/stream/{source}/{label}/{sha256}` */
  readonly urlTemplate: string;
  /** Sent as `Authorization: Bearer <token>` when non-empty. */
  readonly token: string;
  /** Injected for tests; default the global fetch (undici). */
  readonly fetch?: typeof fetch;
}

/**
 * The URL of one blob. Each part is percent-encoded as a single path segment, so neither a `/` nor
 * an already-encoded `%2e%2e` in a source or label can change the path the server sees. The parts
 * are validated upstream as well (isSafeSegment); this is the second defense.
 */
export function buildStreamUrl(template: string, baseUrl: string, ref: StreamRef): string {
  return renderStreamTemplate(template, ref, { target: 'url', base: baseUrl });
}

/** GET `{base}/api/v3/stream/{source}/{label}/{sha256}`, streamed (fetch from undici). */
export class HttpStreamSource implements StreamSource {
  readonly kind = 'http';
  readonly #options: HttpStreamSourceOptions;
  readonly #fetch: typeof fetch;

  constructor(options: HttpStreamSourceOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? fetch;
  }

  async open(ref: StreamRef, signal: AbortSignal): Promise<OpenedStream> {
    const url = buildStreamUrl(this.#options.urlTemplate, this.#options.baseUrl, ref);
    const headers: Record<string, string> = { accept: 'application/octet-stream' };
    if (this.#options.token) headers.authorization = `Bearer ${this.#options.token}`;
    let response: Response;
    try {
      response = await this.#fetch(url, { headers, signal, redirect: 'follow' });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      // undici wraps the real cause (ECONNREFUSED, ECONNRESET...) in "fetch failed".
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new StreamSourceError(
        `GET ${safeUrl(url)}: expected a response, got ${cause?.code ?? cause?.message ?? (error as Error).message}`,
        true,
        { cause: error },
      );
    }
    if (response.status === 404 || response.status === 410) {
      await response.body?.cancel().catch(() => {});
      return { kind: 'missing', detail: `GET ${safeUrl(url)} answered ${response.status}` };
    }
    if (response.status !== 200 || !response.body) {
      await response.body?.cancel().catch(() => {});
      const retriable = response.status >= 500 || response.status === 429 || response.status === 408;
      throw new StreamSourceError(`GET ${safeUrl(url)}: expected 200, got ${response.status} ${response.statusText}`.trim(), retriable);
    }
    const length = response.headers.get('content-length');
    return {
      kind: 'found',
      body: Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>),
      size: length !== null && /^\d+$/.test(length) ? Number(length) : undefined,
    };
  }
}

/** The URL without credentials or query (a token could sit in either). */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}
