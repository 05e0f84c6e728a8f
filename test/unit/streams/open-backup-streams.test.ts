import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../../src/config/load-config.js';
import { ExitCode } from '../../../src/exit-codes.js';
import { openBackupStreams } from '../../../src/streams/open-backup-streams.js';
import { capturedLogger } from '../../helpers/captured-logger.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

function config(env: Record<string, string> = {}): Config {
  const loaded = loadConfig({ STREAMVAULT_S3_BUCKET: 'backup-bucket', ...env });
  if (!loaded.ok) throw new Error(`expected a valid configuration, got ${JSON.stringify(loaded.problems)}`);
  return loaded.config;
}

describe('openBackupStreams', () => {
  it('without a stream source keeps references in the manifests only, and says so', async () => {
    const { lines, logger } = capturedLogger('info');
    const opened = await openBackupStreams(config(), { logger, store: new MemoryObjectStore(), stateDir: makeTempDir('state-') });
    expect(opened.kind).toBe('ready');
    if (opened.kind !== 'ready') return;
    expect(opened.streams).toBeUndefined();
    await expect(opened.pipeline.drainPool(0)).resolves.toEqual({ unfinished: 0 });
    expect(lines.map((l) => l.msg)).toEqual(['no stream source configured (STREAMVAULT_STREAM_SOURCE): stream references are kept in the manifests only']);
    await opened.close();
  });

  it('with an HTTP source builds the pipeline over the file cache in the state directory', async () => {
    const { lines, logger } = capturedLogger('info');
    const env = { STREAMVAULT_STREAM_SOURCE_URL: 'http://platform.invalid', STREAMVAULT_STREAM_CONCURRENCY: '3' };
    const opened = await openBackupStreams(config(env), { logger, store: new MemoryObjectStore(), stateDir: makeTempDir('state-') });
    expect(opened.kind).toBe('ready');
    if (opened.kind !== 'ready') return;
    expect(opened.streams).toBe(opened.pipeline);
    expect(opened.streams!.stats).toMatchObject({ referenced: 0, uploaded: 0, pending: 0, failedList: 0 });
    expect(lines.at(-1)).toMatchObject({ msg: 'stream pipeline configured', source: 'http', concurrency: 3 });
    await opened.close();
  });

  it('refuses a source configuration that names both kinds, with the configuration exit code', async () => {
    const { logger } = capturedLogger('info');
    const env = { STREAMVAULT_STREAM_SOURCE_URL: 'http://platform.invalid', STREAMVAULT_STREAM_SOURCE_BUCKET: 'blobs' };
    const opened = await openBackupStreams(config(env), { logger, store: new MemoryObjectStore(), stateDir: makeTempDir('state-') });
    expect(opened).toEqual({
      kind: 'refused',
      exitCode: ExitCode.badConfiguration,
      message: expect.stringMatching(/^invalid configuration: STREAMVAULT_STREAM_SOURCE is auto: expected only one of .* got both/),
    });
  });

  it('refuses a state directory the file cache cannot use, with the state-directory exit code', async () => {
    const { logger } = capturedLogger('info');
    const notADir = join(makeTempDir('state-'), 'file');
    writeFileSync(notADir, 'x');
    const opened = await openBackupStreams(config({ STREAMVAULT_STREAM_SOURCE_URL: 'http://platform.invalid' }), { logger, store: new MemoryObjectStore(), stateDir: notADir });
    expect(opened).toMatchObject({ kind: 'refused', exitCode: ExitCode.stateDirUnusable });
  });
});
