import { openAsBlob } from 'node:fs';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, rename, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { StreamRef } from '../refs/stream-ref.js';
import { renderStreamTemplate } from '../refs/stream-template.js';
import type { ObjectStore } from '../storage/object-store.js';
import { StreamvaultError } from '../errors/streamvault-error.js';

/** Where restored streams are written. Each call gets a verified local copy of the blob. */
export interface StreamTarget {
  readonly description: string;
  has(ref: StreamRef): Promise<boolean>;
  /** Resolves when the target accepted the blob; rejects with a `StreamTargetError`. */
  put(ref: StreamRef, file: string, size: number): Promise<void>;
}

export class StreamTargetError extends StreamvaultError {
  constructor(message: string, retriable: boolean) {
    super(message, { code: 'STREAM_TARGET_FAILED', retriable });
    this.name = 'StreamTargetError';
  }
}

/**
 * The platform's stream API. A restore is `POST {urlTemplate}` with the blob as body; the platform's
 * template carries the expected sha256 in its query (`expected-sha256={sha256}`), so the platform
 * refuses bytes that do not match. A template without `{sha256}` sends it in `x-expected-sha256`.
 * `--skip-existing-streams` asks `GET {existsTemplate}` (200: present, 404: absent). The two are
 * separate templates: the existence URL used to be the post URL plus `/{sha256}`, which put the
 * hash into the post's query string (`...&expected-sha256=X/X`), so the GET missed the blob route,
 * failed, and every blob was posted again.
 * `{source}` and `{label}` are percent-encoded in both (one rule: encodeURIComponent).
 */
export function httpStreamTarget(options: { base: string; template: string; existsTemplate: string; timeoutMs: number }): StreamTarget {
  const base = options.base.replace(/\/+$/, '');
  const postUrlFor = (ref: StreamRef) => renderStreamTemplate(options.template, ref, { target: 'url', base });
  const existsUrlFor = (ref: StreamRef) => renderStreamTemplate(options.existsTemplate, ref, { target: 'url', base });
  const hashInUrl = options.template.includes('{sha256}');
  return {
    description: `http ${base}`,
    async has(ref) {
      const url = existsUrlFor(ref);
      const response = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(options.timeoutMs) });
      await response.body?.cancel();
      if (response.status === 200) return true;
      if (response.status === 404) return false;
      throw new StreamTargetError(`GET ${url}: expected 200 or 404, got ${response.status}`, response.status >= 500);
    },
    async put(ref, file) {
      const url = postUrlFor(ref);
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          body: await openAsBlob(file, { type: 'application/octet-stream' }),
          headers: hashInUrl ? {} : { 'x-expected-sha256': ref.sha256 },
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        throw new StreamTargetError(`POST ${url}: ${(error as Error).message}`, true);
      }
      const text = await response.text().catch(() => '');
      if (response.status >= 200 && response.status < 300) return;
      throw new StreamTargetError(
        `POST ${url}: expected a 2xx answer, got ${response.status} ${text.slice(0, 200)}`,
        response.status >= 500 || response.status === 429,
      );
    },
  };
}

/** A bucket on the backup's S3 endpoint; the key comes from a template with {source}, {label}, {sha256}. */
export function s3StreamTarget(options: { store: ObjectStore; keyTemplate: string }): StreamTarget {
  const keyFor = (ref: StreamRef) =>
    renderStreamTemplate(options.keyTemplate, ref, { target: 's3-key' });
  return {
    description: `s3://${options.store.bucket}`,
    async has(ref) {
      return (await options.store.head(keyFor(ref))) !== undefined;
    },
    async put(ref, file) {
      try {
        await options.store.putStream(keyFor(ref), createReadStream(file), { metadata: { sha256: ref.sha256 } });
      } catch (error) {
        throw new StreamTargetError(`put s3://${options.store.bucket}/${keyFor(ref)}: ${(error as Error).message}`, true);
      }
    },
  };
}

/**
 * A local directory: `{dir}/{source}/{label}/{sha256}` (source and label URI-encoded). The drill's
 * scratch stream target; written through a temporary name so a killed run leaves no partial blob.
 */
export function directoryStreamTarget(options: { dir: string }): StreamTarget {
  const pathFor = (ref: StreamRef) => directoryStreamPath(options.dir, ref);
  return {
    description: `dir ${options.dir}`,
    async has(ref) {
      return stat(pathFor(ref)).then(
        () => true,
        () => false,
      );
    },
    async put(ref, file) {
      const path = pathFor(ref);
      try {
        await mkdir(dirname(path), { recursive: true });
        await copyFile(file, `${path}.partial`);
        await rename(`${path}.partial`, path);
      } catch (error) {
        throw new StreamTargetError(`copy to ${path}: ${(error as Error).message}`, false);
      }
    },
  };
}

export function directoryStreamPath(dir: string, ref: StreamRef): string {
  return join(dir, renderStreamTemplate('{source}', ref, { target: 'path' }), renderStreamTemplate('{label}', ref, { target: 'path' }), ref.sha256);
}
