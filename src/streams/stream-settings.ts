import type { Config } from '../config/load-config.js';
import { s3Settings } from '../config/settings.js';
import { ENV_PREFIX } from '../config/variable.js';
import type { Logger } from '../observability/logger.js';
import type { KeyLayout } from '../storage/key-layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import { createS3Client, S3ObjectStore } from '../storage/s3-object-store.js';
import { HttpStreamSource } from './http-stream-source.js';
import { S3StreamSource } from './s3-stream-source.js';
import { StreamCopier } from './stream-copier.js';
import type { StreamSource } from './stream-source.js';

export type StreamSourceSettings =
  | { kind: 'none' }
  | { kind: 'http'; baseUrl: string; urlTemplate: string; token: string }
  | { kind: 's3'; bucket: string; keyTemplate: string }
  | { kind: 'invalid'; problems: string[] };

/** Which source STREAMVAULT_STREAM_SOURCE selects, with every inconsistency reported at once. */
export function streamSourceSettings(config: Config): StreamSourceSettings {
  const url = config.STREAM_SOURCE_URL.trim();
  const bucket = config.STREAM_SOURCE_BUCKET.trim();
  let kind = config.STREAM_SOURCE;
  if (kind === 'auto') {
    if (url && bucket) {
      return {
        kind: 'invalid',
        problems: [
          `${ENV_PREFIX}STREAM_SOURCE is auto: expected only one of ${ENV_PREFIX}STREAM_SOURCE_URL and ${ENV_PREFIX}STREAM_SOURCE_BUCKET set, got both; set ${ENV_PREFIX}STREAM_SOURCE=http or s3`,
        ],
      };
    }
    kind = url ? 'http' : bucket ? 's3' : 'none';
  }
  switch (kind) {
    case 'http':
      if (!url) return { kind: 'invalid', problems: [`${ENV_PREFIX}STREAM_SOURCE is http: expected ${ENV_PREFIX}STREAM_SOURCE_URL set, got it empty`] };
      return { kind: 'http', baseUrl: url, urlTemplate: config.STREAM_URL_TEMPLATE, token: config.STREAM_SOURCE_TOKEN };
    case 's3':
      if (!bucket) return { kind: 'invalid', problems: [`${ENV_PREFIX}STREAM_SOURCE is s3: expected ${ENV_PREFIX}STREAM_SOURCE_BUCKET set, got it empty`] };
      return { kind: 's3', bucket, keyTemplate: config.STREAM_SOURCE_KEY_TEMPLATE };
    default:
      return { kind: 'none' };
  }
}

export function createStreamSource(config: Config, settings: Extract<StreamSourceSettings, { kind: 'http' | 's3' }>): StreamSource {
  if (settings.kind === 'http') return new HttpStreamSource(settings);
  return new S3StreamSource(new S3ObjectStore(createS3Client(s3Settings(config)), settings.bucket), settings.keyTemplate);
}

export function createStreamCopier(
  config: Config,
  deps: { store: ObjectStore; layout: KeyLayout; logger: Logger; source: StreamSource },
): StreamCopier {
  return new StreamCopier({
    ...deps,
    retries: config.STREAM_RETRIES,
    minRetryDelayMs: Math.round(config.STREAM_RETRY_MIN_DELAY_SECONDS * 1000),
    idleTimeoutMs: Math.round(config.STREAM_TIMEOUT_SECONDS * 1000),
    compression: config.STREAM_COMPRESSION,
    encryption: config.encryptionKeys.current,
  });
}
