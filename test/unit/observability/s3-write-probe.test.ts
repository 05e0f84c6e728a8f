import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { S3WriteProbe } from '../../../src/observability/s3-write-probe.js';
import { capturedLogger } from '../../helpers/captured-logger.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const logger = createLogger('silent');

describe('S3WriteProbe', () => {
  it('fails while writes fail or hang, and recovers on the first good write', async () => {
    const store = new MemoryObjectStore();
    let now = 0;
    const probe = new S3WriteProbe({ store, key: 'health/x', intervalMs: 60_000, timeoutMs: 50, wallNow: () => now, logger });
    expect(probe.status).toEqual({ kind: 'unknown' });
    expect((await probe.probe()).kind).toBe('ok');
    expect(store.objects.get('health/x')!.body.toString()).toBe('1970-01-01T00:00:00.000Z\n');

    now = 10;
    store.failNext = () => Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error' });
    expect(await probe.probe()).toEqual({ kind: 'failed', error: 'connect ECONNREFUSED', since: 10 });

    const hanging = { ...store, put: () => new Promise<void>(() => {}) } as unknown as MemoryObjectStore;
    const slow = new S3WriteProbe({ store: hanging, key: 'health/x', intervalMs: 60_000, timeoutMs: 30, wallNow: () => now, logger });
    const result = await slow.probe();
    expect(result.kind).toBe('failed');
    if (result.kind === 'failed') expect(result.error).toMatch(/expected the probe write to finish within 30 ms/);

    now = 20;
    expect(await probe.probe()).toEqual({ kind: 'ok', at: 20 });
  });

  it('reports a recovery once, on the first good write after failures (it wakes the stream pool)', async () => {
    const store = new MemoryObjectStore();
    let recoveries = 0;
    const probe = new S3WriteProbe({ store, key: 'health/x', intervalMs: 60_000, timeoutMs: 50, wallNow: () => 0, logger, onRecovered: () => recoveries++ });
    await probe.probe();
    expect(recoveries).toBe(0);
    store.failNext = () => new Error('connect ECONNREFUSED');
    expect((await probe.probe()).kind).toBe('failed');
    expect(recoveries).toBe(0);
    expect((await probe.probe()).kind).toBe('ok');
    await probe.probe();
    expect(recoveries).toBe(1);
  });

  it('keeps the time of the first failure while failures go on, with the latest error, and warns once', async () => {
    const store = new MemoryObjectStore();
    const { lines, logger: captured } = capturedLogger('info');
    let now = 100;
    const probe = new S3WriteProbe({ store, key: 'health/x', intervalMs: 60_000, timeoutMs: 50, wallNow: () => now, logger: captured });
    store.failNext = () => new Error('first');
    await probe.probe();
    now = 200;
    store.failNext = () => new Error('second');
    expect(await probe.probe()).toEqual({ kind: 'failed', error: 'second', since: 100 });
    expect(lines.map((l) => l.msg)).toEqual(['S3 readiness probe failed; not ready until a write succeeds']);
  });

  it('shares a probe in flight among its callers: one write', async () => {
    const store = new MemoryObjectStore();
    const probe = new S3WriteProbe({ store, key: 'health/x', intervalMs: 60_000, timeoutMs: 50, wallNow: () => 0, logger });
    const [a, b] = await Promise.all([probe.probe(), probe.probe()]);
    expect(a).toEqual(b);
    expect(store.calls.filter((c) => c.op === 'put')).toHaveLength(1);
    await probe.probe();
    expect(store.calls.filter((c) => c.op === 'put')).toHaveLength(2);
  });
});
