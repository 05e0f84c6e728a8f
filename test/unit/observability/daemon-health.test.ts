import { describe, expect, it } from 'vitest';
import { startDaemonHealth, type DaemonHealth } from '../../../src/observability/daemon-health.js';
import { capturedLogger } from '../../helpers/captured-logger.js';

async function started(enabled: boolean, port = 0): Promise<{ health: DaemonHealth; lines: Array<Record<string, unknown>> }> {
  const { lines, logger } = capturedLogger('info');
  const result = await startDaemonHealth({ METRICS_ENABLED: enabled, METRICS_HOST: '127.0.0.1', METRICS_PORT: port }, logger);
  if (result.kind !== 'started') throw new Error(`expected started, got ${result.message}`);
  return { health: result.health, lines };
}

describe('startDaemonHealth', () => {
  it('answers /readyz 503 with what the start is doing until the daemon plugs in its readiness', async () => {
    const { health, lines } = await started(true);
    const url = `http://127.0.0.1:${health.port}`;
    try {
      expect(lines.map((l) => [l.msg, l.port])).toEqual([['metrics and health listening (/metrics, /healthz, /readyz)', health.port]]);
      expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ ready: false, reasons: ['daemon is starting: starting'] });
      health.setStarting('waiting for the brokers');
      expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ ready: false, reasons: ['daemon is starting: waiting for the brokers'] });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      health.setReadiness(() => ({ ready: true, reasons: [] }));
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
    } finally {
      await health.close();
      await health.close();
    }
  });

  it('serves nothing when metrics are off, yet keeps a registry for the daemon', async () => {
    const { health, lines } = await started(false);
    expect(health.port).toBeUndefined();
    expect(typeof health.registry.metrics).toBe('function');
    expect(lines).toEqual([]);
    await health.close();
  });

  it('refuses a port already taken, saying what to set', async () => {
    const { health } = await started(true);
    try {
      const { logger } = capturedLogger('info');
      const result = await startDaemonHealth({ METRICS_ENABLED: true, METRICS_HOST: '127.0.0.1', METRICS_PORT: health.port! }, logger);
      expect(result.kind).toBe('refused');
      expect(result.kind === 'refused' && result.message).toMatch(
        new RegExp(`^cannot serve metrics on 127\\.0\\.0\\.1:${health.port}: .*EADDRINUSE.*; set STREAMVAULT_METRICS_PORT to a free port or STREAMVAULT_METRICS_ENABLED=false$`),
      );
    } finally {
      await health.close();
    }
  });
});
