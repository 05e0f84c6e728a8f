import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { DrillDifference } from '../../../src/drill/drill-difference.js';
import type { Inspection } from '../../../src/events/event-inspector.js';
import type { ExtractedReferences } from '../../../src/events/stream-references.js';
import {
  assertStreamRef,
  InvalidStreamRefError,
  isValidStreamRef,
  normalizeSha256,
  SHA256_HEX,
  streamRefProblems,
  streamRefShape,
  type StreamRef,
} from '../../../src/refs/stream-ref.js';
import type { PostedStreamLine } from '../../../src/restore/restore-journal.js';
import type { PlannedStream } from '../../../src/restore/restore-plan.js';

const sha = 'ab'.repeat(32);

describe('stream references', () => {
  it('accept plain, spaced, percent and non-ASCII names', () => {
    for (const name of ['samples', 'la bel', '%2e%2e', 'Büro', 'a+b?#']) {
      expect(streamRefProblems({ source: name, label: name, sha256: sha })).toEqual([]);
    }
  });

  it.each([
    [{ source: 'a/b', label: 'l', sha256: sha }, ['source "a/b" contains a path separator, expected a single segment']],
    [{ source: 's', label: 'a\\b', sha256: sha }, ['label "a\\\\b" contains a path separator, expected a single segment']],
    [{ source: '..', label: '.', sha256: sha }, ['source ".." is a relative path name, expected a plain name', 'label "." is a relative path name, expected a plain name']],
    [{ source: '', label: 'l', sha256: sha }, ['source is empty, expected a non-empty name']],
    [{ source: 's', label: 'a\u0000b', sha256: sha }, ['label "a\\u0000b" contains a control character']],
    [{ source: 's', label: '\uD800', sha256: sha }, ['label "\\ud800" is not well-formed Unicode (lone surrogate)']],
    [{ source: 'x'.repeat(256), label: 'l', sha256: sha }, ['source is 256 UTF-8 bytes long, expected at most 255']],
    [{ source: 7, label: 'l', sha256: sha }, ['source expected a string, got a number']],
    [{ source: 's', label: 'l', sha256: 'AB'.repeat(32) }, [`expected a sha256 of 64 lowercase hex characters, got "${'AB'.repeat(32)}"`]],
    [{ source: 's', label: 'l', sha256: 'ab' }, ['expected a sha256 of 64 lowercase hex characters, got 2 characters']],
    [{ source: 's', label: 'l' }, ['expected a sha256 of 64 lowercase hex characters, got nothing (missing)']],
  ])('report %j as %j', (ref, problems) => {
    expect(streamRefProblems(ref)).toEqual(problems);
    expect(isValidStreamRef(ref as never)).toBe(false);
  });

  it('throw an error with a code and every problem', () => {
    const error = (() => {
      try {
        assertStreamRef({ source: '../x', label: '', sha256: 'nope' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidStreamRefError);
    expect((error as InvalidStreamRefError).code).toBe('STREAM_REF_INVALID');
    expect((error as InvalidStreamRefError).problems).toHaveLength(3);
    expect((error as Error).message).toBe(
      'invalid stream reference: source "../x" contains a path separator, expected a single segment; label is empty, expected a non-empty name; expected a sha256 of 64 lowercase hex characters, got 4 characters',
    );
  });

  it('validate the same way in zod (journals, manifests)', () => {
    const schema = z.object(streamRefShape);
    expect(schema.safeParse({ source: 's', label: 'l', sha256: sha }).success).toBe(true);
    const bad = schema.safeParse({ source: 's', label: 'a/..', sha256: sha });
    expect(bad.success ? [] : bad.error.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['label', 'label "a/.." contains a path separator, expected a single segment (code STREAM_REF_INVALID)'],
    ]);
  });

  it('match sha256 strictly: lowercase, exactly 64, anchored', () => {
    expect(SHA256_HEX.test(sha)).toBe(true);
    expect(SHA256_HEX.test(`${sha}\n`)).toBe(false);
    expect(SHA256_HEX.test(`x${sha}`)).toBe(false);
    expect(SHA256_HEX.test(sha.toUpperCase())).toBe(false);
  });
});

describe('normalizeSha256', () => {
  it('lowers 64 hex characters of either case and refuses anything else', () => {
    expect(normalizeSha256('AB'.repeat(32))).toBe('ab'.repeat(32));
    expect(normalizeSha256('ab'.repeat(32))).toBe('ab'.repeat(32));
    expect(normalizeSha256('ab'.repeat(31))).toBeUndefined();
    expect(normalizeSha256(`${'ab'.repeat(32)}\n`)).toBeUndefined();
    expect(normalizeSha256('zz'.repeat(32))).toBeUndefined();
    expect(normalizeSha256(42)).toBeUndefined();
  });
});

describe('the one stream reference type (issue 11: "one stream reference has seven types in four folders")', () => {
  // Compile-time: tsc -p tsconfig.test.json fails when one of these drifts from StreamRef again.
  it('is what events extract and inspect, what the restore journal stores and plans post, and what a drill reports', () => {
    type Valid = Extract<Inspection, { kind: 'valid' }>;
    expectTypeOf<Valid['references'][number]>().toEqualTypeOf<StreamRef>();
    expectTypeOf<ExtractedReferences['references'][number]>().toEqualTypeOf<StreamRef>();
    expectTypeOf<PostedStreamLine>().toEqualTypeOf<StreamRef>();
    expectTypeOf<PlannedStream['references'][number]>().toEqualTypeOf<Pick<StreamRef, 'source' | 'label'>>();
    expectTypeOf<Omit<Extract<DrillDifference, { kind: 'blob-missing' }>, 'kind'>>().toEqualTypeOf<Omit<StreamRef, never>>();
    expectTypeOf<Pick<Extract<DrillDifference, { kind: 'blob-differs' }>, keyof StreamRef>>().toEqualTypeOf<Pick<StreamRef, keyof StreamRef>>();
  });
});
