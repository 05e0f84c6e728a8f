import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';

/** How the source answers GETs of one sha256, for the first `times` requests (then it passes). */
export type BlobFault =
  | { kind: 'hang'; times: number }
  | { kind: 'status'; status: number; times: number }
  | { kind: 'truncate'; times: number };

export interface FaultyStreamSource {
  /** `http://127.0.0.1:port`: STREAMVAULT_STREAM_SOURCE_URL. */
  readonly baseUrl: string;
  setFault(sha256: string, fault: BlobFault): void;
  /** GETs seen per sha256 (including faulted ones). */
  readonly gets: Map<string, number>;
  stop(): Promise<void>;
}

/**
 * An HTTP proxy in front of the stream server that misbehaves for chosen blobs: hangs (accepts,
 * never answers), answers a status (5xx, 429, 404), or cuts the body half way (the announced
 * content-length is not reached). Everything else is forwarded unchanged.
 */
export async function startFaultyStreamSource(upstreamBaseUrl: string): Promise<FaultyStreamSource> {
  const upstream = new URL(upstreamBaseUrl);
  const faults = new Map<string, BlobFault>();
  const gets = new Map<string, number>();
  const sockets = new Set<Socket>();
  const forward = (req: IncomingMessage, res: ServerResponse, truncate: boolean) => {
    const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (!truncate) return void answer.pipe(res);
      const length = Number(answer.headers['content-length'] ?? 0);
      let sent = 0;
      answer.on('data', (chunk: Buffer) => {
        const room = Math.floor(length / 2) - sent;
        if (room <= 0) return;
        res.write(chunk.subarray(0, room));
        sent += Math.min(room, chunk.length);
        if (sent >= Math.floor(length / 2)) setTimeout(() => res.destroy(), 20);
      });
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  };
  const server = createServer((req, res) => {
    const sha = /\/([0-9a-f]{64})$/.exec(req.url ?? '')?.[1];
    if (req.method === 'GET' && sha) gets.set(sha, (gets.get(sha) ?? 0) + 1);
    const fault = sha ? faults.get(sha) : undefined;
    if (!fault || fault.times <= 0) return forward(req, res, false);
    fault.times -= 1;
    if (fault.kind === 'hang') return void req.resume();
    if (fault.kind === 'status') return void res.writeHead(fault.status, { 'content-type': 'text/plain', ...(fault.status === 429 ? { 'retry-after': '1' } : {}) }).end('injected');
    return forward(req, res, true);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  let stopping: Promise<void> | undefined;
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setFault: (sha, fault) => void faults.set(sha, { ...fault }),
    gets,
    stop: () =>
      (stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      })),
  };
}
