import { openAsBlob } from 'node:fs';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, rename, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ObjectStore } from '../storage/object-store.js';

/** Where restored streams are written. Each call gets a verified local copy of the blob. */
export interface StreamTarget {
  readonly description: string;
  has(ref: { source: string; label: string; sha256: string }): Promise<boolean>;
  /** Resolves when the target accepted the blob; rejects with a `StreamTargetError`. */
  put(ref: { source: string; label: string; sha256: string }, file: string, size: number): Promise<void>;
}

export class StreamTargetError extends Error {
  constructor(message: string, readonly retriable: boolean) {
    super(message);
    this.name = 'StreamTargetError';
  }
}

function render(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/**
 * The platform's stream API: `POST {base}/api/v3/stream/{source}/{label}` with the blob as body and
 * the expected sha256 in `x-expected-sha256`, so the platform can refuse bytes that do not match.
 */
export function httpStreamTarget(options: { base: string; template: string; timeoutMs: number }): StreamTarget {
  const base = options.base.replace(/\/+$/, '');
  const urlFor = (ref: { source: string; label: string; sha256: string }) =>
    render(options.template, {
      base,
      source: encodeURIComponent(ref.source),
      label: encodeURIComponent(ref.label),
      sha256: ref.sha256,
    });
  return {
    description: `http ${base}`,
    async has(ref) {
      const response = await fetch(`${urlFor(ref)}/${ref.sha256}`, { method: 'GET', signal: AbortSignal.timeout(options.timeoutMs) });
      await response.body?.cancel();
      if (response.status === 200) return true;
      if (response.status === 404) return false;
      throw new StreamTargetError(`GET ${urlFor(ref)}/${ref.sha256}: expected 200 or 404, got ${response.status}`, response.status >= 500);
    },
    async put(ref, file) {
      let response: Response;
      try {
        response = await fetch(urlFor(ref), {
          method: 'POST',
          body: await openAsBlob(file, { type: 'application/octet-stream' }),
          headers: { 'x-expected-sha256': ref.sha256 },
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        throw new StreamTargetError(`POST ${urlFor(ref)}: ${(error as Error).message}`, true);
      }
      const text = await response.text().catch(() => '');
      if (response.status >= 200 && response.status < 300) return;
      throw new StreamTargetError(
        `POST ${urlFor(ref)}: expected a 2xx answer, got ${response.status} ${text.slice(0, 200)}`,
        response.status >= 500 || response.status === 429,
      );
    },
  };
}

/** A bucket on the backup's S3 endpoint; the key comes from a template with {source}, {label}, {sha256}. */
export function s3StreamTarget(options: { store: ObjectStore; keyTemplate: string }): StreamTarget {
  const keyFor = (ref: { source: string; label: string; sha256: string }) =>
    render(options.keyTemplate, { source: encodeURIComponent(ref.source), label: encodeURIComponent(ref.label), sha256: ref.sha256 });
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
  const pathFor = (ref: { source: string; label: string; sha256: string }) => directoryStreamPath(options.dir, ref);
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

export function directoryStreamPath(dir: string, ref: { source: string; label: string; sha256: string }): string {
  return join(dir, encodeURIComponent(ref.source), encodeURIComponent(ref.label), ref.sha256);
}
