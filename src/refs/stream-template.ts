/**
 * The one renderer of stream templates (`{source}`, `{label}`, `{sha256}`, `{sha256_2}`, and
 * `{base}` for URLs), used by the stream sources of the backup and the stream targets of restore.
 *
 * Encoding per target kind:
 * - `url`: source and label are percent-encoded as single path segments (encodeURIComponent), so
 *   neither a `/` nor an already-encoded `%2e%2e` can change the path the server sees.
 * - `s3-key`: the same encoding. An S3 key is not a URL, but the backup's S3 stream source and the
 *   restore's S3 target must name a blob alike (a restored bucket is read back as a source), and
 *   encoding keeps keys printable and free of characters S3 tools treat specially.
 * - `path` (a local file path segment): the same encoding, so two labels never collide in one
 *   directory and nothing in them is a separator on any platform.
 * `{sha256}` is never encoded: it is validated (64 lowercase hex) before anything is rendered.
 * Unknown `{names}` are left as written (config validation rejects templates that use them).
 */
import { assertStreamRef, type StreamRef } from './stream-ref.js';

export type TemplateTarget = 'url' | 's3-key' | 'path';

const PLACEHOLDER = /\{(base|source|label|sha256|sha256_2)\}/g;

export function renderStreamTemplate(template: string, ref: StreamRef, options: { target: TemplateTarget; base?: string }): string {
  assertStreamRef(ref);
  const encode = encodeURIComponent;
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    switch (name) {
      case 'base':
        return options.base === undefined ? whole : options.base.replace(/\/+$/, '');
      case 'source':
        return encode(ref.source);
      case 'label':
        return encode(ref.label);
      case 'sha256_2':
        return ref.sha256.slice(0, 2);
      default:
        return ref.sha256;
    }
  });
}
