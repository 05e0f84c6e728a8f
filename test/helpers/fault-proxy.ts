import { request as httpRequest, Agent, createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const RESET_AFTER_WRITE_MS = 20;

/**
 * What the proxy does, switchable at any time with `setMode`. A switch applies to live
 * connections too (a keep-alive client would otherwise never see the fault):
 * - `pass`: forwards bytes (or requests) unchanged.
 * - `refuse`: closes every connection at once, new and live: the peer sees an immediate EOF.
 * - `reset`: forwards what the client sends; after `afterBytes` bytes of the upstream's answer
 *   (default 0) on a connection, resets both sides (RST): a reset mid-answer.
 * - `delay`: forwards everything `ms` milliseconds late (order kept): a slow server.
 * - `blackhole`: accepts connections and data and never answers, never closes.
 * - `http-errors` (HTTP proxies only): answers `share` (0..1) of requests with one of `statuses`
 *   (default [500, 503]) in turn, deterministically (every 1/share-th request), without
 *   forwarding them; the rest pass.
 */
export type FaultMode =
  | { kind: 'pass' }
  | { kind: 'refuse' }
  | { kind: 'reset'; afterBytes?: number }
  | { kind: 'delay'; ms: number }
  | { kind: 'blackhole' }
  | { kind: 'http-errors'; share: number; statuses?: readonly number[] };

export interface FaultProxyStats {
  /** Connections accepted. */
  connections: number;
  /** HTTP requests seen (HTTP proxies only). */
  requests: number;
  /** HTTP requests answered with an injected status. */
  injectedErrors: number;
  /** Connections closed or reset by a fault. */
  cutConnections: number;
}

export interface FaultProxy {
  /** 127.0.0.1 port the proxy listens on. */
  readonly port: number;
  /** `http://127.0.0.1:port`. */
  readonly url: string;
  readonly mode: FaultMode;
  setMode(mode: FaultMode): void;
  readonly stats: FaultProxyStats;
  stop(): Promise<void>;
}

export interface StartFaultProxyOptions {
  /** Where to forward: host (default 127.0.0.1) and port. */
  upstream: { host?: string; port: number };
  /**
   * `tcp` (default) forwards bytes and works for any protocol (Kafka, HTTP, ...). `http` parses
   * requests, so faults land per request on keep-alive connections and `http-errors` is possible.
   */
  protocol?: 'tcp' | 'http';
  mode?: FaultMode;
}

/** Parses `http://host:port` into an upstream for startFaultProxy. */
export function upstreamOf(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80)) };
}

/**
 * A proxy on 127.0.0.1 (free port) in front of `upstream` whose behaviour a test switches at
 * runtime, to see what a client does when its server misbehaves. Stop it with `stop()` (register it
 * with withCleanup at creation).
 */
export async function startFaultProxy(options: StartFaultProxyOptions): Promise<FaultProxy> {
  const upstream = { host: options.upstream.host ?? '127.0.0.1', port: options.upstream.port };
  const protocol = options.protocol ?? 'tcp';
  let mode: FaultMode = options.mode ?? { kind: 'pass' };
  const stats: FaultProxyStats = { connections: 0, requests: 0, injectedErrors: 0, cutConnections: 0 };
  const sockets = new Set<Socket>();
  // Per-connection reaction to a mode switch (cut, or resume forwarding).
  const onSwitch = new Set<() => void>();
  let errorCounter = 0;

  const cut = (socket: Socket, how: 'close' | 'reset') => {
    if (socket.destroyed) return;
    stats.cutConnections += 1;
    if (how === 'reset') socket.resetAndDestroy();
    else socket.destroy();
  };

  const injectError = (m: Extract<FaultMode, { kind: 'http-errors' }>): number | undefined => {
    if (!(m.share > 0)) return undefined;
    const before = Math.floor(errorCounter * m.share);
    errorCounter += 1;
    if (Math.floor(errorCounter * m.share) === before) return undefined;
    const statuses = m.statuses && m.statuses.length > 0 ? m.statuses : [500, 503];
    return statuses[stats.injectedErrors % statuses.length]!;
  };

  // ---- TCP: bytes forwarded chunk by chunk, the mode consulted for each chunk.
  const handleTcp = (client: Socket) => {
    if (mode.kind === 'refuse') return cut(client, 'close');
    let upstreamSocket: Socket | undefined;
    let answered = 0;
    // Set once a reset is under way: nothing more is forwarded, not even an end.
    let cutting = false;
    let chain: Promise<void> = Promise.resolve();
    const ensureUpstream = () => {
      if (upstreamSocket) return upstreamSocket;
      const socket = connect({ port: upstream.port, host: upstream.host, allowHalfOpen: true });
      upstreamSocket = socket;
      sockets.add(socket);
      socket.once('close', (hadError) => {
        sockets.delete(socket);
        if (hadError) client.destroy();
      });
      socket.on('error', () => client.destroy());
      socket.on('data', (chunk: Buffer) => forward(chunk, client, 'down'));
      socket.on('end', () => void chain.then(() => cutting || client.end()));
      return socket;
    };
    const forward = (chunk: Buffer, to: Socket, direction: 'up' | 'down') => {
      if (cutting) return;
      const m = mode;
      switch (m.kind) {
        case 'refuse':
          cut(client, 'close');
          if (upstreamSocket) cut(upstreamSocket, 'close');
          return;
        case 'blackhole':
          return;
        case 'delay': {
          // Each chunk leaves `ms` after it arrived, in arrival order.
          const due = Date.now() + m.ms;
          chain = chain.then(async () => {
            const wait = due - Date.now();
            if (wait > 0) await sleep(wait);
            if (!to.destroyed) to.write(chunk);
          });
          return;
        }
        case 'reset': {
          if (direction === 'up') return void to.write(chunk);
          const allowed = Math.max(0, (m.afterBytes ?? 0) - answered);
          answered += chunk.length;
          if (allowed >= chunk.length) return void to.write(chunk);
          cutting = true;
          const finish = () => {
            cut(client, 'reset');
            if (upstreamSocket) cut(upstreamSocket, 'reset');
          };
          // An RST that reaches the peer while the partial bytes are still unread in its receive
          // queue is seen as a clean end (measured on Linux, Node 20): give it a moment to read.
          if (allowed > 0) to.write(chunk.subarray(0, allowed), () => setTimeout(finish, RESET_AFTER_WRITE_MS));
          else finish();
          return;
        }
        case 'http-errors':
        case 'pass':
          // http-errors on a TCP proxy is refused in setMode; pass forwards with backpressure.
          if (!to.write(chunk)) {
            const from = to === client ? upstreamSocket : client;
            from?.pause();
            to.once('drain', () => from?.resume());
          }
          return;
      }
    };
    const reactToSwitch = () => {
      if (mode.kind === 'refuse') {
        cut(client, 'close');
        if (upstreamSocket) cut(upstreamSocket, 'close');
      }
    };
    onSwitch.add(reactToSwitch);
    client.once('close', (hadError) => {
      onSwitch.delete(reactToSwitch);
      if (hadError) upstreamSocket?.destroy();
    });
    client.on('error', () => upstreamSocket?.destroy());
    client.on('data', (chunk: Buffer) => {
      if (mode.kind === 'blackhole') return;
      forward(chunk, ensureUpstream(), 'up');
    });
    client.on('end', () => void chain.then(() => cutting || upstreamSocket?.end()));
    // A connection accepted while blackholed connects upstream only when data is forwarded later.
    if (mode.kind !== 'blackhole') ensureUpstream();
  };

  // ---- HTTP: each request forwarded on its own, so faults land per request.
  const agent = new Agent({ keepAlive: true });
  const parked = new Set<ServerResponse>();
  const handleHttp = async (req: IncomingMessage, res: ServerResponse) => {
    stats.requests += 1;
    const m = mode;
    const socket = req.socket;
    if (m.kind === 'refuse') return cut(socket, 'close');
    if (m.kind === 'blackhole') {
      req.resume();
      parked.add(res);
      res.once('close', () => parked.delete(res));
      return;
    }
    if (m.kind === 'http-errors') {
      const status = injectError(m);
      if (status !== undefined) {
        stats.injectedErrors += 1;
        req.resume();
        const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${status === 503 ? 'SlowDown' : status === 429 ? 'TooManyRequests' : 'InternalError'}</Code><Message>injected by fault proxy</Message></Error>`;
        const headers: Record<string, string | number> = { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) };
        if (status === 429 || status === 503) headers['retry-after'] = '0';
        return void res.writeHead(status, headers).end(body);
      }
    }
    if (m.kind === 'delay') await sleep(m.ms);
    const forwarded = httpRequest({
      host: upstream.host,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent,
    });
    forwarded.on('error', () => cut(socket, 'reset'));
    forwarded.on('response', (answer) => {
      const now = mode;
      if (now.kind === 'reset') {
        // Headers and the first `afterBytes` body bytes go out, then the connection is reset.
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        let allowed = now.afterBytes ?? 0;
        res.flushHeaders();
        const finish = () => {
          answer.destroy();
          cut(socket, 'reset');
        };
        if (allowed === 0) return void setImmediate(finish);
        answer.on('data', (chunk: Buffer) => {
          if (allowed <= 0) return;
          const part = chunk.subarray(0, allowed);
          allowed -= part.length;
          res.write(part);
          if (allowed <= 0) res.write(Buffer.alloc(0), () => setTimeout(finish, RESET_AFTER_WRITE_MS));
        });
        answer.on('end', finish);
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forwarded);
  };
  const httpServer = createHttpServer((req, res) => {
    handleHttp(req, res).catch(() => cut(req.socket, 'reset'));
  });
  httpServer.keepAliveTimeout = 60_000;
  httpServer.on('clientError', (_error, socket) => socket.destroy());

  const server = createServer({ allowHalfOpen: protocol === 'tcp' }, (socket) => {
    stats.connections += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (protocol === 'tcp') return handleTcp(socket);
    if (mode.kind === 'refuse') return cut(socket, 'close');
    const reactToSwitch = () => {
      if (mode.kind === 'refuse') cut(socket, 'close');
    };
    onSwitch.add(reactToSwitch);
    socket.once('close', () => onSwitch.delete(reactToSwitch));
    httpServer.emit('connection', socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  let stopping: Promise<void> | undefined;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get mode() {
      return mode;
    },
    setMode(next) {
      if (next.kind === 'http-errors' && protocol !== 'http') {
        throw new Error(`Expected an HTTP proxy (protocol 'http') for mode http-errors, got protocol '${protocol}'`);
      }
      if (next.kind === 'http-errors' && !(next.share >= 0 && next.share <= 1)) {
        throw new Error(`Expected http-errors share to be a number from 0 to 1, got ${String(next.share)}`);
      }
      mode = next;
      for (const react of [...onSwitch]) react();
    },
    stats,
    stop: () =>
      (stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const res of parked) res.destroy();
        for (const socket of sockets) socket.destroy();
        agent.destroy();
        httpServer.close();
        await closed;
      })()),
  };
}
