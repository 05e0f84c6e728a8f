import { integer, nonEmptyText, oneOf, positiveNumber, text, url, variable } from '../variable.js';

const template = (required: readonly string[], example: string) =>
  nonEmptyText().refine((s) => required.every((part) => s.includes(part)), {
    message: `expected a template containing ${required.join(' and ')}, such as ${example}`,
  });

export const streamVariables = {
  STREAM_SOURCE: variable({
    name: 'STREAM_SOURCE',
    schema: oneOf(['auto', 'none', 'http', 's3']),
    default: 'auto',
    group: 'streams',
    description:
      'Where referenced streams are copied from. `auto`: `http` when STREAMVAULT_STREAM_SOURCE_URL is set, else `s3` when STREAMVAULT_STREAM_SOURCE_BUCKET is set, else `none`. `none`: references are kept in the manifests only and no blob is copied.',
  }),
  STREAM_SOURCE_URL: variable({
    name: 'STREAM_SOURCE_URL',
    schema: url(),
    default: '',
    group: 'streams',
    description: 'Base URL of the HTTP stream source (the platform\'s API), `{base}` in STREAMVAULT_STREAM_URL_TEMPLATE.',
  }),
  STREAM_URL_TEMPLATE: variable({
    name: 'STREAM_URL_TEMPLATE',
    schema: template(['{base}', '{sha256}'], '{base}/api/v3/stream/{source}/{label}/{sha256}'),
    default: '{base}/api/v3/stream/{source}/{label}/{sha256}',
    group: 'streams',
    description:
      'URL of one blob: `{base}`, then `{source}`, `{label}`, `{sha256}`, each percent-encoded as one path segment.',
  }),
  STREAM_SOURCE_TOKEN: variable({
    name: 'STREAM_SOURCE_TOKEN',
    schema: text(),
    default: '',
    secret: true,
    group: 'streams',
    description: 'Bearer token sent to the HTTP stream source (`Authorization: Bearer ...`). Empty: none.',
  }),
  STREAM_SOURCE_BUCKET: variable({
    name: 'STREAM_SOURCE_BUCKET',
    schema: text().refine((s) => s === '' || /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s), {
      message: 'expected an S3 bucket name: 3-63 lowercase letters, digits, dots or hyphens',
    }),
    default: '',
    group: 'streams',
    description:
      'Bucket of the S3 stream source, read with the backup\'s S3 endpoint and credentials (STREAMVAULT_S3_*).',
  }),
  STREAM_SOURCE_KEY_TEMPLATE: variable({
    name: 'STREAM_SOURCE_KEY_TEMPLATE',
    schema: template(['{sha256}'], '{source}/{label}/{sha256}'),
    default: '{source}/{label}/{sha256}',
    group: 'streams',
    description:
      'Key of one blob in STREAMVAULT_STREAM_SOURCE_BUCKET, from `{source}`, `{label}`, `{sha256}` and `{sha256_2}` (its first two characters).',
  }),
  STREAM_HIT_CACHE_SIZE: variable({
    name: 'STREAM_HIT_CACHE_SIZE',
    schema: integer(1, 10_000_000),
    default: '16000',
    unit: 'references',
    group: 'streams',
    description:
      'Recently seen sha256s remembered in memory; a reference seen recently is already stored or journaled and is dropped at once.',
  }),
  STREAM_CONCURRENCY: variable({
    name: 'STREAM_CONCURRENCY',
    schema: integer(1, 1000),
    default: '20',
    unit: 'uploads',
    group: 'streams',
    description: 'Streams copied at the same time. Each large copy buffers up to about 24 MiB (S3 multipart parts).',
  }),
  STREAM_QUEUE_SIZE: variable({
    name: 'STREAM_QUEUE_SIZE',
    schema: integer(1, 10_000_000),
    default: '1000',
    unit: 'references',
    group: 'streams',
    description:
      'References waiting for a copy slot. When full, event consumption pauses (backpressure) instead of memory growing; waiting references are journaled already.',
  }),
  STREAM_TIMEOUT_SECONDS: variable({
    name: 'STREAM_TIMEOUT_SECONDS',
    schema: positiveNumber(),
    default: '60',
    unit: 'seconds',
    group: 'streams',
    description:
      'A copy attempt fails when the source sends no response or no bytes for this long (an idle timeout: a large blob may take longer as long as it keeps flowing).',
  }),
  STREAM_RETRIES: variable({
    name: 'STREAM_RETRIES',
    schema: integer(0, 100),
    default: '4',
    unit: 'retries',
    group: 'streams',
    description:
      'Further attempts after a failed copy (network error, timeout, 5xx, 429), with exponential backoff and jitter. A 404 or content that does not match its sha256 is not retried.',
  }),
  STREAM_RETRY_MIN_DELAY_SECONDS: variable({
    name: 'STREAM_RETRY_MIN_DELAY_SECONDS',
    schema: positiveNumber(),
    default: '1',
    unit: 'seconds',
    group: 'streams',
    description: 'Delay before the first retry; each further retry waits about twice as long (randomized), at most 60 s.',
  }),
  STREAM_MAX_CONSECUTIVE_FAILURES: variable({
    name: 'STREAM_MAX_CONSECUTIVE_FAILURES',
    schema: integer(1, 1_000_000),
    default: '5',
    unit: 'streams',
    group: 'streams',
    description:
      'After this many streams in a row fail at the source after their retries (a 404 or an unreachable backup bucket does not count), `/readyz` reports the stream source as failing until a copy succeeds. The daemon keeps running and backing up events; failed streams are retried on their schedule.',
  }),
  STREAM_FAILED_RETRY_MIN_SECONDS: variable({
    name: 'STREAM_FAILED_RETRY_MIN_SECONDS',
    schema: positiveNumber(),
    default: '300',
    unit: 'seconds',
    group: 'streams',
    description:
      'A stream in the failed list (wrong content, errors after its retries, a 404 within the missing window) is copied again this long after it failed; each further failure doubles the wait, up to STREAMVAULT_STREAM_FAILED_RETRY_MAX_SECONDS. The schedule is kept in the state directory, so restarts do not retry early.',
  }),
  STREAM_FAILED_RETRY_MAX_SECONDS: variable({
    name: 'STREAM_FAILED_RETRY_MAX_SECONDS',
    schema: positiveNumber(),
    default: '21600',
    unit: 'seconds',
    group: 'streams',
    description: 'Longest wait between two scheduled retries of a failed stream.',
  }),
  STREAM_MISSING_RETRY_WINDOW_SECONDS: variable({
    name: 'STREAM_MISSING_RETRY_WINDOW_SECONDS',
    schema: integer(0, 10 * 365 * 24 * 3600),
    default: '604800',
    unit: 'seconds',
    group: 'streams',
    description:
      'How long a stream the source answers 404 for is retried (on the failed-list schedule) in case it appears later. After that it is recorded in the backup as unavailable at the source (`streams-missing/` marker object) and no longer retried; `streams failed retry` still tries it. 0: record it at the first 404.',
  }),
  STREAM_DESTINATION_BACKOFF_MAX_SECONDS: variable({
    name: 'STREAM_DESTINATION_BACKOFF_MAX_SECONDS',
    schema: positiveNumber(),
    default: '60',
    unit: 'seconds',
    group: 'streams',
    description:
      'While the backup bucket does not take stream copies (unreachable, 5xx, throttling), the stream pool pauses and tries again after STREAMVAULT_STREAM_RETRY_MIN_DELAY_SECONDS, doubling each round it still refuses up to this (copies refused together count as one round; the S3 write probe succeeding again ends a pause at once); the streams stay pending, event consumption waits (backpressure) and `/readyz` says why. It is not a stream failure.',
  }),
};
