import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The image's HEALTHCHECK (src/healthcheck.ts, built to dist/src/healthcheck.js) in the containers
// the image runs: the backup daemon is probed on /healthz, a restore passes without a probe.
// What it decides is observability/healthcheck-plan.ts's (tested with it); this runs the entry itself.
const ENTRY = resolve(import.meta.dirname, '../../dist/src/healthcheck.js');
/** /proc/1/cmdline holds each argument followed by a NUL byte. */
const cmdline = (...args: string[]) => args.map((a) => `${a}\0`).join('');
const IMAGE = ['node', '/app/dist/src/cli.js'];

describe('dist/src/healthcheck.js against a fake /healthz', () => {
  let server: Server;
  let port: number;
  let status = 200;
  const requests: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'streamvault-healthcheck-'));

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.writeHead(req.url === '/healthz' ? status : 404).end('ok');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((done) => server.close(() => done()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the built entry with `text` as PID 1's command line. Asynchronous: the server shares this event loop. */
  const check = (text: string, env: Record<string, string> = {}) =>
    new Promise<{ code: number | null; output: string }>((done) => {
      const file = join(dir, `cmdline-${requests.length}-${Math.random().toString(36).slice(2)}`);
      writeFileSync(file, text, 'latin1');
      const child = spawn(process.execPath, [ENTRY, file], { env: { STREAMVAULT_METRICS_PORT: String(port), ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('close', (code: number | null) => done({ code, output }));
    });

  it('passes for the daemon while /healthz answers 200 and fails when it answers 503', async () => {
    requests.length = 0;
    expect(await check(cmdline(...IMAGE))).toMatchObject({ code: 0, output: expect.stringMatching(/^healthy: .*answered 200/) });
    expect(await check(cmdline('/sbin/docker-init', '--', ...IMAGE, 'backup'))).toMatchObject({ code: 0 });
    expect(requests).toEqual(['/healthz', '/healthz']);
    status = 503;
    try {
      expect(await check(cmdline(...IMAGE))).toMatchObject({ code: 1, output: expect.stringMatching(/^unhealthy: .*answered 503/) });
    } finally {
      status = 200;
    }
  });

  it('passes for a restore container without asking anything, by argument or by STREAMVAULT_MODE', async () => {
    requests.length = 0;
    expect(await check(cmdline(...IMAGE, 'restore', '--json'))).toMatchObject({ code: 0, output: expect.stringMatching(/`restore` serves no health endpoint/) });
    expect(await check(cmdline('/sbin/docker-init', '--', ...IMAGE), { STREAMVAULT_MODE: 'restore' })).toMatchObject({ code: 0 });
    expect(requests).toEqual([]);
  });

  it('fails for the daemon when nothing listens on the metrics port', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise<void>((done) => closed.close(() => done()));
    expect(await check(cmdline(...IMAGE), { STREAMVAULT_METRICS_PORT: String(freePort) })).toMatchObject({
      code: 1,
      output: expect.stringMatching(/^unhealthy: .* did not answer/),
    });
  });
});
