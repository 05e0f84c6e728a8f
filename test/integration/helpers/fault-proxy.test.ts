// The fault proxy (test/helpers/fault-proxy.ts) against a real HTTP server and a real TCP echo
// server on 127.0.0.1: each mode does what the reliability scenarios rely on.
import { Agent, createServer as createHttpServer, request, type Server } from 'node:http';
import { connect, createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withCleanup } from '../../helpers/cleanup.js';
import { startFaultProxy } from '../../helpers/fault-proxy.js';

const BIG = Buffer.alloc(256 * 1024, 'x');
let http: Server;
let httpPort: number;
let upstreamRequests = 0;

beforeAll(async () => {
  http = createHttpServer((req, res) => {
    upstreamRequests += 1;
    const body = req.url === '/big' ? BIG : Buffer.from(`hello ${req.url}`);
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  httpPort = (http.address() as AddressInfo).port;
});

afterAll(async () => {
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
});

interface Answer {
  status: number;
  body: Buffer;
}

function get(port: number, path: string, agent?: Agent, timeoutMs = 5_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Collects what a raw TCP client receives until the connection ends; resolves how it ended. */
function tcpExchange(port: number, send: string): Promise<{ received: Buffer; ended: 'end' | 'reset' | 'error' }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(send));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (error: NodeJS.ErrnoException) => resolve({ received: Buffer.concat(chunks), ended: error.code === 'ECONNRESET' ? 'reset' : 'error' }));
    socket.on('end', () => {
      resolve({ received: Buffer.concat(chunks), ended: 'end' });
      socket.destroy();
    });
  });
}

describe('fault proxy, TCP', () => {
  it('passes bytes both ways, then closes connections in refuse mode', async () => {
    const echo = createServer((s) => s.pipe(s));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', () => resolve()));
    withCleanup({ stop: () => new Promise<void>((resolve) => echo.close(() => resolve())) });
    const proxy = withCleanup(await startFaultProxy({ upstream: { port: (echo.address() as AddressInfo).port } }));

    const echoed = await new Promise<string>((resolve, reject) => {
      const socket = connect(proxy.port, '127.0.0.1', () => socket.end('ping'));
      let text = '';
      socket.setEncoding('utf8').on('data', (c: string) => (text += c));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(echoed).toBe('ping');

    proxy.setMode({ kind: 'refuse' });
    const refused = await tcpExchange(proxy.port, 'ping');
    expect(refused.received.length).toBe(0);
    expect(refused.ended).not.toBe('reset');
  });

  it('resets a connection part way through the answer', async () => {
    const proxy = withCleanup(await startFaultProxy({ upstream: { port: httpPort }, mode: { kind: 'reset', afterBytes: 1000 } }));
    const result = await tcpExchange(proxy.port, 'GET /big HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    expect(result.ended).toBe('reset');
    expect(result.received.length).toBe(1000);
    expect(result.received.toString('latin1')).toMatch(/^HTTP\/1\.1 200/);
  });

  it('blackholes: accepts, forwards nothing, answers nothing; pass again afterwards', async () => {
    const proxy = withCleanup(await startFaultProxy({ upstream: { port: httpPort }, mode: { kind: 'blackhole' } }));
    const before = upstreamRequests;
    await expect(get(proxy.port, '/a', undefined, 500)).rejects.toThrow(/abort/i);
    expect(proxy.stats.connections).toBe(1);
    expect(upstreamRequests).toBe(before);
    proxy.setMode({ kind: 'pass' });
    expect((await get(proxy.port, '/b')).body.toString()).toBe('hello /b');
  });

  it('delays: the answer arrives whole, no sooner than the delay', async () => {
    const proxy = withCleanup(await startFaultProxy({ upstream: { port: httpPort }, mode: { kind: 'delay', ms: 200 } }));
    const started = Date.now();
    const answer = await get(proxy.port, '/big');
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(answer.body.equals(BIG)).toBe(true);
  });

  it('refuses http-errors mode (it needs an HTTP proxy)', async () => {
    const proxy = withCleanup(await startFaultProxy({ upstream: { port: httpPort } }));
    expect(() => proxy.setMode({ kind: 'http-errors', share: 0.5 })).toThrow(/protocol 'http'/);
  });
});

describe('fault proxy, HTTP', () => {
  it('answers the given share of requests on one keep-alive connection with the given statuses', async () => {
    const proxy = withCleanup(await startFaultProxy({ upstream: { port: httpPort }, protocol: 'http', mode: { kind: 'http-errors', share: 0.5, statuses: [500, 503, 429] } }));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    withCleanup({ stop: async () => agent.destroy() });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await get(proxy.port, `/r${i}`, agent)).status);
    expect(statuses.filter((s) => s === 200).length).toBe(6);
    expect(new Set(statuses.filter((s) => s !== 200))).toEqual(new Set([500, 503, 429]));
    expect(proxy.stats.connections).toBe(1);
    expect(proxy.stats.injectedErrors).toBe(6);
  });

  it('applies a switch to a live keep-alive connection: refuse closes it, blackhole parks requests, reset cuts answers', async () => {
    const proxy = withCleanup(await startFaultProxy({ upstream: { port: httpPort }, protocol: 'http' }));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    withCleanup({ stop: async () => agent.destroy() });
    expect((await get(proxy.port, '/1', agent)).status).toBe(200);

    proxy.setMode({ kind: 'blackhole' });
    await expect(get(proxy.port, '/2', agent, 500)).rejects.toThrow(/abort/i);

    proxy.setMode({ kind: 'reset', afterBytes: 10 });
    await expect(get(proxy.port, '/big', agent)).rejects.toThrow(/ECONNRESET|socket hang up|aborted/);

    proxy.setMode({ kind: 'pass' });
    const answer = await get(proxy.port, '/big', agent);
    expect(answer.body.equals(BIG)).toBe(true);
    proxy.setMode({ kind: 'refuse' });
    expect(proxy.stats.cutConnections).toBeGreaterThan(0);
    await expect(get(proxy.port, '/3', agent)).rejects.toThrow(/socket hang up|ECONNRESET/);
  });
});
