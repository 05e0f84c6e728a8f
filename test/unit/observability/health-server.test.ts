import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startHealthServer, type HealthServer, type Readiness } from '../../../src/observability/health-server.js';

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(readiness: () => Readiness, registry = new Registry()): Promise<string> {
  server = await startHealthServer({ registry, readiness, host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${server.port}`;
}

describe('startHealthServer', () => {
  it('answers /healthz while the process runs, whatever the readiness', async () => {
    const url = await start(() => ({ ready: false, reasons: ['daemon is starting'] }));
    const response = await fetch(`${url}/healthz`);
    expect([response.status, await response.text()]).toEqual([200, 'ok\n']);
  });

  it('answers /readyz 200 when ready and 503 with the reasons otherwise, asking each time', async () => {
    let readiness: Readiness = { ready: true, reasons: [] };
    const url = await start(() => readiness);
    const ok = await fetch(`${url}/readyz`);
    expect([ok.status, ok.headers.get('content-type'), await ok.json()]).toEqual([200, 'application/json', { ready: true, reasons: [] }]);
    readiness = { ready: false, reasons: ['daemon is draining, expected running'] };
    const notReady = await fetch(`${url}/readyz?verbose=1`);
    expect([notReady.status, await notReady.json()]).toEqual([503, readiness]);
  });

  it('serves the registry on /metrics in Prometheus text', async () => {
    const registry = new Registry();
    new Counter({ name: 'test_things_total', help: 'Things.', registers: [registry] }).inc(3);
    const url = await start(() => ({ ready: true, reasons: [] }), registry);
    const response = await fetch(`${url}/metrics`);
    expect(response.headers.get('content-type')).toBe(registry.contentType);
    expect(await response.text()).toContain('test_things_total 3\n');
  });

  it('answers 500 with the reason when collecting a metric fails', async () => {
    const registry = new Registry();
    new Counter({
      name: 'test_broken_total',
      help: 'Broken.',
      registers: [registry],
      collect() {
        throw new Error('source gone');
      },
    });
    const url = await start(() => ({ ready: true, reasons: [] }), registry);
    const response = await fetch(`${url}/metrics`);
    expect([response.status, await response.text()]).toEqual([500, 'metrics collection failed: source gone\n']);
  });

  it('refuses other methods with 405 and other paths with 404, saying what there is', async () => {
    const url = await start(() => ({ ready: true, reasons: [] }));
    const post = await fetch(`${url}/healthz`, { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    const missing = await fetch(`${url}/nope`);
    expect([missing.status, await missing.text()]).toEqual([404, 'not found: try /metrics, /healthz or /readyz\n']);
  });

  it('refuses to start on a port already taken, and closes once when asked twice', async () => {
    const url = await start(() => ({ ready: true, reasons: [] }));
    const port = server!.port;
    await expect(startHealthServer({ registry: new Registry(), readiness: () => ({ ready: true, reasons: [] }), host: '127.0.0.1', port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await Promise.all([server!.close(), server!.close()]);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
