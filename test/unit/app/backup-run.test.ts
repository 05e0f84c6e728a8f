import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runBackupApp } from '../../../src/app/backup-run.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { ExitCode } from '../../../src/exit-codes.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { capturedLogger } from '../../helpers/captured-logger.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// What runBackupApp does before it needs the brokers; the run past them is tested against real
// servers (test/integration/backup).
function setup(env: Record<string, string>) {
  const loaded = loadConfig({ STREAMVAULT_S3_BUCKET: 'backup', STREAMVAULT_METRICS_ENABLED: 'false', ...env });
  if (!loaded.ok) throw new Error(`expected a valid configuration, got ${JSON.stringify(loaded.problems)}`);
  const stderr = new PassThrough();
  const chunks: string[] = [];
  stderr.on('data', (c: Buffer) => chunks.push(c.toString()));
  const { lines, logger } = capturedLogger('info');
  const routed: string[] = [];
  const io = {
    env: {},
    stdout: new PassThrough(),
    stderr,
    isTTY: false,
    signals: { routeToShutdown: () => void routed.push('routed'), decided: () => {} },
  };
  const store = new MemoryObjectStore();
  return { io, context: { config: loaded.config, logger, store, layout: new KeyLayout('') }, stderr: () => chunks.join(''), lines, routed, store };
}

describe('runBackupApp refusals before the brokers', () => {
  it('refuses a state directory it cannot use with the state-directory exit code, said in the log and on stderr, and ends with shutdown complete', async () => {
    const file = join(makeTempDir('backup-run-'), 'not-a-dir');
    writeFileSync(file, 'x');
    const { io, context, stderr, lines, routed, store } = setup({ STREAMVAULT_STATE_DIR: file });
    const code = await runBackupApp(io, context, {});
    expect(code).toBe(ExitCode.stateDirUnusable);
    expect(stderr()).toMatch(/^streamvault: .+\n$/);
    const refusal = lines.find((l) => l.level === 'error')!;
    expect(stderr()).toBe(`streamvault: ${String(refusal.msg)}\n`);
    expect(lines.at(-1)).toMatchObject({ msg: 'shutdown complete', exitCode: ExitCode.stateDirUnusable });
    // Nothing was written to the backup location, signals were never taken over.
    expect(store.calls.filter((c) => c.op === 'put')).toEqual([]);
    expect(routed).toEqual([]);
  });

  it('refuses a metrics port already taken, saying what to set', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const { io, context, stderr } = setup({ STREAMVAULT_STATE_DIR: makeTempDir('backup-run-'), STREAMVAULT_METRICS_ENABLED: 'true', STREAMVAULT_METRICS_HOST: '127.0.0.1', STREAMVAULT_METRICS_PORT: String(port) });
      const code = await runBackupApp(io, context, {});
      expect(code).toBe(ExitCode.failure);
      expect(stderr()).toContain(`streamvault: cannot serve metrics on 127.0.0.1:${port}: `);
      expect(stderr()).toContain('set STREAMVAULT_METRICS_PORT to a free port or STREAMVAULT_METRICS_ENABLED=false');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
