import type { StreamRef } from '../refs/stream-ref.js';
import { renderStreamTemplate } from '../refs/stream-template.js';
import { ObjectNotFoundError, type ObjectStore } from '../storage/object-store.js';
import { StreamSourceError, type OpenedStream, type StreamSource } from './stream-source.js';

/**
 * The key of one blob in the source bucket: `{source}`, `{label}`, `{sha256}`, `{sha256_2}` (its
 * first two characters). Source and label are percent-encoded, as the restore's S3 target encodes
 * them (one renderer, refs/stream-template.ts), so a restored bucket reads back as a source.
 */
export function buildSourceKey(template: string, ref: StreamRef): string {
  return renderStreamTemplate(template, ref, { target: 's3-key' });
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
