import { describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../../src/config/load-config.js';
import { streamSourceSettings } from '../../../src/streams/stream-settings.js';

function config(env: Record<string, string>): Config {
  const loaded = loadConfig({ STREAMVAULT_S3_BUCKET: 'bucket', ...env });
  if (!loaded.ok) throw new Error(`expected a valid config, got ${JSON.stringify(loaded.problems)}`);
  return loaded.config;
}

describe('stream settings', () => {
  it('documents defaults: no source, hit cache 16000, concurrency 20, 5 consecutive failures', () => {
    const c = config({});
    expect(streamSourceSettings(c)).toEqual({ kind: 'none' });
    expect([c.STREAM_HIT_CACHE_SIZE, c.STREAM_CONCURRENCY, c.STREAM_QUEUE_SIZE, c.STREAM_MAX_CONSECUTIVE_FAILURES]).toEqual([16000, 20, 1000, 5]);
    expect(c.STREAM_URL_TEMPLATE).toBe('{base}/api/v3/stream/{source}/{label}/{sha256}');
  });

  it('auto picks http from a URL and s3 from a bucket', () => {
    expect(streamSourceSettings(config({ STREAMVAULT_STREAM_SOURCE_URL: 'http://platform:8080' }))).toMatchObject({ kind: 'http', baseUrl: 'http://platform:8080' });
    expect(streamSourceSettings(config({ STREAMVAULT_STREAM_SOURCE_BUCKET: 'blobs' }))).toMatchObject({ kind: 's3', bucket: 'blobs' });
  });

  it('reports inconsistent choices with what was expected', () => {
    expect(streamSourceSettings(config({ STREAMVAULT_STREAM_SOURCE: 'http' }))).toEqual({
      kind: 'invalid',
      problems: ['STREAMVAULT_STREAM_SOURCE is http: expected STREAMVAULT_STREAM_SOURCE_URL set, got it empty'],
    });
    const both = streamSourceSettings(config({ STREAMVAULT_STREAM_SOURCE_URL: 'http://p', STREAMVAULT_STREAM_SOURCE_BUCKET: 'blobs' }));
    expect(both.kind).toBe('invalid');
  });

  it('rejects bad values at load, every problem at once', () => {
    const loaded = loadConfig({
      STREAMVAULT_S3_BUCKET: 'bucket',
      STREAMVAULT_STREAM_CONCURRENCY: '0',
      STREAMVAULT_STREAM_URL_TEMPLATE: '{base}/no-hash',
      STREAMVAULT_STREAM_SOURCE: 'ftp',
    });
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) {
      expect(loaded.problems.map((p) => p.variable).sort()).toEqual([
        'STREAMVAULT_STREAM_CONCURRENCY',
        'STREAMVAULT_STREAM_SOURCE',
        'STREAMVAULT_STREAM_URL_TEMPLATE',
      ]);
    }
  });
});
