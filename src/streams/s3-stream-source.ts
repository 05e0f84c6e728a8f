import type { StreamRef } from '../filecache/stream-file-cache.js';
import { SHA256_HEX } from '../storage/key-layout.js';
import { ObjectNotFoundError, type ObjectStore } from '../storage/object-store.js';
import { StreamSourceError, type OpenedStream, type StreamSource } from './stream-source.js';

/**
 * The key of one blob in the source bucket: `{source}`, `{label}`, `{sha256}`, `{sha256_2}` (its
 * first two characters). Source and label are single safe segments (validated before), so they
 * cannot add a `/` or a `..` segment to the key.
 */
export function buildSourceKey(template: string, ref: StreamRef): string {
  if (!SHA256_HEX.test(ref.sha256)) {
    throw new Error(`expected a sha256 of 64 lowercase hex characters, got ${JSON.stringify(ref.sha256.slice(0, 80))}`);
  }
  return template.replace(/\{(source|label|sha256|sha256_2)\}/g, (_, name: string) => {
    switch (name) {
      case 'source':
        return ref.source;
      case 'label':
        return ref.label;
      case 'sha256_2':
        return ref.sha256.slice(0, 2);
      default:
        return ref.sha256;
    }
  });
}

/** Blobs read from another bucket (e.g. the platform's own object store). */
export class S3StreamSource implements StreamSource {
  readonly kind = 's3';
  readonly #store: ObjectStore;
  readonly #keyTemplate: string;

  constructor(store: ObjectStore, keyTemplate: string) {
    this.#store = store;
    this.#keyTemplate = keyTemplate;
  }

  async open(ref: StreamRef, signal: AbortSignal): Promise<OpenedStream> {
    const key = buildSourceKey(this.#keyTemplate, ref);
    try {
      const body = await this.#store.getStream(key);
      if (signal.aborted) {
        body.destroy();
        throw signal.reason;
      }
      return { kind: 'found', body, size: undefined };
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return { kind: 'missing', detail: `s3://${this.#store.bucket}/${key} does not exist` };
      if (signal.aborted) throw signal.reason;
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      const retriable = status === undefined || status >= 500 || status === 429;
      throw new StreamSourceError(
        `GET s3://${this.#store.bucket}/${key}: expected the object, got ${(error as Error).name}: ${(error as Error).message}`,
        retriable,
        { cause: error },
      );
    }
  }
}
