/**
 * The one stream reference: which content blob ("stream") an event refers to, and the rules every
 * reader applies to it, wherever it was read from (an event, a journal line, a manifest).
 *
 * `sha256` is exactly 64 lowercase hex characters; `source` and `label` are single safe path
 * segments (`segmentProblem`), because downstream code builds S3 keys, URLs and file paths from
 * them. Rendering encodes them as well (stream-template.ts): validation is the first of two
 * defenses, not the only one.
 */
import { z } from 'zod';

export interface StreamRef {
  readonly source: string;
  readonly label: string;
  readonly sha256: string;
}

/** A sha256 as streamvault stores it: 64 lowercase hex characters. The only copy of this pattern. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * `value` as a stored sha256 when it is 64 hex characters of either case (events and operators may
 * write upper case), else undefined: lowered here, so everything after sees SHA256_HEX.
 */
export function normalizeSha256(value: unknown): string | undefined {
  return typeof value === 'string' && /^[0-9a-fA-F]{64}$/.test(value) ? value.toLowerCase() : undefined;
}

/** Longest accepted source or label, in UTF-8 bytes (a common file-name limit; S3 allows 1024 per key). */
export const MAX_SEGMENT_BYTES = 255;

// C0 controls, DEL and C1 controls: invisible in logs, meaningful to terminals and some parsers.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// A lone surrogate cannot be encoded as UTF-8; encodeURIComponent throws on it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why `value` cannot be one segment of an S3 key or URL path as is, or undefined when it can.
 * Percent signs and spaces are allowed (encoding turns `%2e%2e` into `%252e%252e`, which no server
 * decodes into `..`); separators, traversal names, control characters and unencodable text are not.
 */
export function segmentProblem(what: string, value: unknown): string | undefined {
  if (typeof value !== 'string') return `${what} expected a string, got ${describe(value)}`;
  // Rendered only for a problem: every reference of every event passes through here.
  const shown = () => renderForLog(value);
  if (value === '') return `${what} is empty, expected a non-empty name`;
  if (value === '.' || value === '..') return `${what} ${shown()} is a relative path name, expected a plain name`;
  if (value.includes('/') || value.includes('\\')) return `${what} ${shown()} contains a path separator, expected a single segment`;
  if (CONTROL.test(value)) return `${what} ${shown()} contains a control character`;
  if (LONE_SURROGATE.test(value)) return `${what} ${shown()} is not well-formed Unicode (lone surrogate)`;
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_SEGMENT_BYTES) return `${what} is ${bytes} UTF-8 bytes long, expected at most ${MAX_SEGMENT_BYTES}`;
  return undefined;
}

/** Whether `value` can be one segment of an S3 key or URL path (see `segmentProblem`). */
export function isSafeSegment(value: string): boolean {
  return segmentProblem('segment', value) === undefined;
}

/** Why `value` is not a stored sha256, or undefined when it is. */
export function sha256Problem(value: unknown): string | undefined {
  if (typeof value === 'string' && SHA256_HEX.test(value)) return undefined;
  const expected = 'expected a sha256 of 64 lowercase hex characters';
  if (typeof value !== 'string') return `${expected}, got ${describe(value)}`;
  if (value.length !== 64) return `${expected}, got ${value.length} characters`;
  return `${expected}, got ${renderForLog(value)}`;
}

/** Every problem of a would-be reference, in the order source, label, sha256; empty when it is valid. */
export function streamRefProblems(ref: { source?: unknown; label?: unknown; sha256?: unknown }): string[] {
  return [segmentProblem('source', ref.source), segmentProblem('label', ref.label), sha256Problem(ref.sha256)].filter(
    (problem): problem is string => problem !== undefined,
  );
}

export function isValidStreamRef(ref: StreamRef): boolean {
  return streamRefProblems(ref).length === 0;
}

/** Thrown where a reference must be valid and is not (e.g. rendering a key from it). */
export class InvalidStreamRefError extends Error {
  readonly code = 'STREAM_REF_INVALID';

  constructor(readonly problems: readonly string[]) {
    super(`invalid stream reference: ${problems.join('; ')}`);
    this.name = 'InvalidStreamRefError';
  }
}

/** Throws `InvalidStreamRefError` listing every problem of `ref`. */
export function assertStreamRef(ref: StreamRef): void {
  const problems = streamRefProblems(ref);
  if (problems.length > 0) throw new InvalidStreamRefError(problems);
}

const zodSegment = (what: string) =>
  z.string().superRefine((value, ctx) => {
    const problem = segmentProblem(what, value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `${problem} (code STREAM_REF_INVALID)` });
  });

/**
 * The zod fields of a reference, for every file format that stores one (journals, manifests):
 * validated again on every read, because those files can be edited by anyone with access.
 */
export const streamRefShape = {
  source: zodSegment('source'),
  label: zodSegment('label'),
  sha256: z.string().superRefine((value, ctx) => {
    const problem = sha256Problem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `${problem} (code STREAM_REF_INVALID)` });
  }),
};

const RENDER_LIMIT = 80;

/**
 * JSON rendering of at most 80 characters (then `…`), with everything outside printable ASCII
 * escaped as `\uXXXX`, so hostile values cannot forge log lines or reorder text (bidi controls).
 */
export function renderForLog(value: unknown): string {
  if (value === undefined) return '(missing)';
  if (typeof value !== 'string') return `(${describe(value)})`;
  const cut = value.length > RENDER_LIMIT ? `${value.slice(0, RENDER_LIMIT)}…` : value;
  return JSON.stringify(cut).replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing (missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (Buffer.isBuffer(value)) return `${value.length} bytes`;
  return typeof value === 'string' ? `the string ${renderForLog(value)}` : `a ${typeof value}`;
}
