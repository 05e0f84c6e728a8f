import { describe, expect, it } from 'vitest';
import { describeVariables } from '../../../../src/config/describe-variables.js';
import { configOf, expectIntegerRange, expectOneOf, expectPositiveNumber, problemOf, valueOf } from '../../../helpers/config-variables.js';

describe('stream variables', () => {
  it("default to the source picked automatically, the platform's blob URL, 20 copies at once and a failed stream retried after 5 minutes", () => {
    const c = configOf();
    expect({
      source: c.STREAM_SOURCE,
      url: c.STREAM_SOURCE_URL,
      urlTemplate: c.STREAM_URL_TEMPLATE,
      bucket: c.STREAM_SOURCE_BUCKET,
      keyTemplate: c.STREAM_SOURCE_KEY_TEMPLATE,
      hitCache: c.STREAM_HIT_CACHE_SIZE,
      concurrency: c.STREAM_CONCURRENCY,
      queue: c.STREAM_QUEUE_SIZE,
      timeout: c.STREAM_TIMEOUT_SECONDS,
      retries: c.STREAM_RETRIES,
      failedRetry: [c.STREAM_FAILED_RETRY_MIN_SECONDS, c.STREAM_FAILED_RETRY_MAX_SECONDS],
      missingWindow: c.STREAM_MISSING_RETRY_WINDOW_SECONDS,
    }).toEqual({
      source: 'auto',
      url: '',
      urlTemplate: '{base}/api/v3/stream/{source}/{label}/{sha256}',
      bucket: '',
      keyTemplate: '{source}/{label}/{sha256}',
      hitCache: 16_000,
      concurrency: 20,
      queue: 1000,
      timeout: 60,
      retries: 4,
      failedRetry: [300, 21_600],
      missingWindow: 7 * 24 * 3600,
    });
  });

  it('take the source kinds they list and refuse others', () => {
    expectOneOf('STREAM_SOURCE', ['auto', 'none', 'http', 's3']);
  });

  it('need {base} and {sha256} in the URL template and {sha256} in the key template, with an example', () => {
    expect(valueOf('STREAM_URL_TEMPLATE', '{base}/blobs/{sha256}')).toBe('{base}/blobs/{sha256}');
    expect(problemOf('STREAM_URL_TEMPLATE', '{base}/blobs').expected).toBe('expected a template containing {base} and {sha256}, such as {base}/api/v3/stream/{source}/{label}/{sha256}');
    expect(valueOf('STREAM_SOURCE_KEY_TEMPLATE', '{sha256_2}/{sha256}')).toBe('{sha256_2}/{sha256}');
    expect(problemOf('STREAM_SOURCE_KEY_TEMPLATE', '{source}/{label}').expected).toBe('expected a template containing {sha256}, such as {source}/{label}/{sha256}');
  });

  it('take an empty or valid source bucket and an absolute source URL; refuse others', () => {
    expect(valueOf('STREAM_SOURCE_BUCKET', 'platform-streams')).toBe('platform-streams');
    expect(problemOf('STREAM_SOURCE_BUCKET', 'Platform_Streams').expected).toBe('expected an S3 bucket name: 3-63 lowercase letters, digits, dots or hyphens');
    expect(valueOf('STREAM_SOURCE_URL', 'https://platform.example')).toBe('https://platform.example');
    expect(problemOf('STREAM_SOURCE_URL', 'platform.example').expected).toBe('expected an http:// or https:// URL such as http://host:port (no scheme?)');
  });

  it('take the numbers in their ranges and refuse the rest', () => {
    expectIntegerRange('STREAM_HIT_CACHE_SIZE', 1, 10_000_000);
    expectIntegerRange('STREAM_CONCURRENCY', 1, 1000);
    expectIntegerRange('STREAM_QUEUE_SIZE', 1, 10_000_000);
    expectIntegerRange('STREAM_RETRIES', 0, 100);
    expectIntegerRange('STREAM_MAX_CONSECUTIVE_FAILURES', 1, 1_000_000);
    expectIntegerRange('STREAM_MISSING_RETRY_WINDOW_SECONDS', 0, 10 * 365 * 24 * 3600);
    for (const key of ['STREAM_TIMEOUT_SECONDS', 'STREAM_RETRY_MIN_DELAY_SECONDS', 'STREAM_FAILED_RETRY_MIN_SECONDS', 'STREAM_FAILED_RETRY_MAX_SECONDS', 'STREAM_DESTINATION_BACKOFF_MAX_SECONDS'] as const) expectPositiveNumber(key);
  });

  it('mark the source token secret', () => {
    expect(describeVariables().find((v) => v.name === 'STREAMVAULT_STREAM_SOURCE_TOKEN')?.secret).toBe(true);
  });
});
