import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, unlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { generatedBuffer, generatedSha256, generatedStream } from './generated-bytes.js';

export interface RecordedRequest {
  method: string;
  /** URL path without the query string, still percent-encoded. */
  path: string;
  /** The query string's parameters, decoded (`{}` without one). */
  query: Record<string, string>;
}

export interface PostedBlob {
  source: string;
  label: string;
  sha256: string;
  size: number;
  /**
   * The sha256 the client announced, if any: the platform's query parameter `expected-sha256`,
   * else query `sha256`, else header `x-expected-sha256`. A POST whose body does not hash to it is
   * refused (400) and not recorded.
   */
  expectedSha256: string | undefined;
  /** Where the announced sha256 came from. */
  expectedSha256In: 'query' | 'header' | undefined;
  /** `skip-identify=true` was in the query (the platform then requires `expected-sha256`). */
  skipIdentify: boolean;
}

export type RequestMatcher = string | ((request: RecordedRequest) => boolean);

export interface StreamServer {
  /** `http://127.0.0.1:port`, no trailing slash. */
  baseUrl: string;
  /** Serves `content` at GET /api/v3/stream/{source}/{label}/{sha256}; returns its sha256. */
  put(source: string, label: string, content: Buffer): string;
  /** Serves `content` under `sha256` although it does not hash to it: a corrupt source. */
  putWithWrongContent(source: string, label: string, sha256: string, content: Buffer): void;
  /**
   * Serves `size` deterministic pseudo-random bytes (see generated-bytes.ts) generated on each
   * request, never held in memory. Hashes them once, so a large size costs about 1 s per GB.
   */
  putGenerated(source: string, label: string, size: number, seed: number): string;
  /** Whether a blob with this sha256 is known (put or successfully posted), under any label. */
  has(sha256: string): boolean;
  /** The blob's bytes, read into memory (including generated blobs: keep those small here). */
  get(sha256: string): Buffer | undefined;
  /** Successful POSTs, in arrival order. */
  readonly posted: PostedBlob[];
  /** Every request, in arrival order, including failed and injected ones. */
  readonly requests: RecordedRequest[];
  /** Most requests ever handled at the same time: checks a client's concurrency limit. */
  readonly maxConcurrent: number;
  /**
   * Answers the next `count` requests matching with `status` (default 503) instead of serving
   * them. A string matches paths that start with it; rules are consumed in the order added.
   */
  failNext(match: RequestMatcher, count: number, status?: number): void;
  /** Delay added before answering every request, in milliseconds. Default 0. */
  setLatency(ms: number): void;
  stop(): Promise<void>;
}

type Blob =
  | { kind: 'buffer'; data: Buffer }
  | { kind: 'file'; path: string; size: number }
  | { kind: 'generated'; size: number; seed: number };

interface Entry {
  blob: Blob;
  /** `source/label` pairs the blob is served under: a GET elsewhere is a 404, as on the platform. */
  locations: Set<string>;
}

interface FailureRule {
  matches: (request: RecordedRequest) => boolean;
  remaining: number;
  status: number;
}

const ROUTE = /^\/api\/v3\/stream\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/;

export interface StartStreamServerOptions {
  /** Where POSTed blobs are kept; removed by `stop()`. Default: a fresh directory in the OS temp dir. */
  uploadDir?: string;
}

/** A real HTTP server on 127.0.0.1 imitating the platform's stream API (GET and POST blobs). */
export async function startStreamServer(opts: StartStreamServerOptions = {}): Promise<StreamServer> {
  const entries = new Map<string, Entry>();
  const posted: PostedBlob[] = [];
  const requests: RecordedRequest[] = [];
  const rules: FailureRule[] = [];
  const uploadDir = opts.uploadDir ?? (await mkdtemp(join(tmpdir(), 'streams-')));
  await mkdir(uploadDir, { recursive: true });
  let latencyMs = 0;
  let uploads = 0;
  let concurrent = 0;
  let maxConcurrent = 0;

  const register = (source: string, label: string, sha256: string, blob: Blob) => {
    const entry = entries.get(sha256) ?? { blob, locations: new Set<string>() };
    entry.blob = blob;
    entry.locations.add(`${source}/${label}`);
    entries.set(sha256, entry);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const request: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams) };
    requests.push(request);
    if (latencyMs > 0) await sleep(latencyMs);

    const rule = rules.find((r) => r.remaining > 0 && r.matches(request));
    if (rule) {
      rule.remaining -= 1;
      req.resume();
      return void res.writeHead(rule.status, { 'content-type': 'text/plain' }).end('injected failure');
    }

    const route = ROUTE.exec(url.pathname);
    if (!route) return void res.writeHead(404).end();
    const source = decodeURIComponent(route[1]!);
    const label = decodeURIComponent(route[2]!);
    const sha = route[3];

    if (req.method === 'GET' && sha !== undefined) {
      const entry = entries.get(sha.toLowerCase());
      if (!entry?.locations.has(`${source}/${label}`)) return void res.writeHead(404).end();
      const { blob } = entry;
      const size = blob.kind === 'buffer' ? blob.data.length : blob.size;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
      if (blob.kind === 'buffer') return void res.end(blob.data);
      const body = blob.kind === 'file' ? createReadStream(blob.path) : generatedStream(blob.size, blob.seed);
      return pipeline(body, res);
    }

    if (req.method === 'POST' && sha === undefined) {
      // The platform's restore request: POST .../{source}/{label}?skip-identify=true&expected-sha256={sha256}.
      const inQuery = url.searchParams.get('expected-sha256') ?? url.searchParams.get('sha256') ?? undefined;
      const inHeader = headerValue(req, 'x-expected-sha256');
      const expected = (inQuery ?? inHeader)?.toLowerCase();
      const expectedIn = inQuery !== undefined ? 'query' : inHeader !== undefined ? 'header' : undefined;
      const skipIdentify = url.searchParams.get('skip-identify') === 'true';
      if (skipIdentify && inQuery === undefined) {
        req.resume();
        return void res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: 'skip-identify=true requires expected-sha256 in the query' }));
      }
      const hash = createHash('sha256');
      let size = 0;
      const tempPath = join(uploadDir, `upload-${++uploads}`);
      const hashing = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      });
      try {
        await pipeline(req, hashing, createWriteStream(tempPath));
      } catch (error) {
        await unlink(tempPath).catch(() => {});
        throw error;
      }
      const actual = hash.digest('hex');
      if (expected !== undefined && expected !== actual) {
        await unlink(tempPath);
        return void res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: `sha256 mismatch: expected ${expected}, got ${actual}` }));
      }
      const path = join(uploadDir, actual);
      await rename(tempPath, path);
      register(source, label, actual, { kind: 'file', path, size });
      posted.push({ source, label, sha256: actual, size, expectedSha256: expected, expectedSha256In: expectedIn, skipIdentify });
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sha256: actual, size }));
    }

    res.writeHead(405).end();
  }

  const server = createServer((req, res) => {
    concurrent += 1;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    res.once('close', () => (concurrent -= 1));
    handle(req, res).catch(() => {
      // The client went away mid-transfer, or the disk failed: nothing to answer to a test here.
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  let stopping: Promise<void> | undefined;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    put(source, label, content) {
      const sha256 = createHash('sha256').update(content).digest('hex');
      register(source, label, sha256, { kind: 'buffer', data: Buffer.from(content) });
      return sha256;
    },
    putWithWrongContent(source, label, sha256, content) {
      register(source, label, sha256.toLowerCase(), { kind: 'buffer', data: Buffer.from(content) });
    },
    putGenerated(source, label, size, seed) {
      const sha256 = generatedSha256(size, seed);
      register(source, label, sha256, { kind: 'generated', size, seed });
      return sha256;
    },
    has: (sha256) => entries.has(sha256.toLowerCase()),
    get(sha256) {
      const blob = entries.get(sha256.toLowerCase())?.blob;
      if (blob === undefined) return undefined;
      if (blob.kind === 'buffer') return Buffer.from(blob.data);
      return blob.kind === 'file' ? readFileSync(blob.path) : generatedBuffer(blob.size, blob.seed);
    },
    posted,
    requests,
    get maxConcurrent() {
      return maxConcurrent;
    },
    failNext(match, count, status = 503) {
      const matches = typeof match === 'string' ? (r: RecordedRequest) => r.path.startsWith(match) : match;
      rules.push({ matches, remaining: count, status });
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    stop: () =>
      (stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        await rm(uploadDir, { recursive: true, force: true });
      })()),
  };
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

