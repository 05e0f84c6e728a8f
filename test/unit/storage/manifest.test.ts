import { describe, expect, it } from 'vitest';
import { manifestEntry } from '../../helpers/manifest-entry.js';
import { parseManifest, serializeManifest } from '../../../src/storage/manifest.js';

const entry = manifestEntry;

describe('manifests', () => {
  // Regression (issue 11): manifests took any source and label while the journals validated them;
  // restore builds keys, URLs and file paths from them.
  it.each([
    ['a label with a separator', { label: 'a/b' }, /streams\.0\.label: label "a\/b" contains a path separator, expected a single segment \(code STREAM_REF_INVALID\)/],
    ['a traversal label', { label: '..' }, /streams\.0\.label: label "\.\." is a relative path name, expected a plain name \(code STREAM_REF_INVALID\)/],
    ['an empty source', { source: '' }, /streams\.0\.source: source is empty, expected a non-empty name \(code STREAM_REF_INVALID\)/],
    ['an upper-case sha256', { sha256: 'A'.repeat(64) }, /streams\.0\.sha256: expected a sha256 of 64 lowercase hex characters, got "A{64}" \(code STREAM_REF_INVALID\)/],
  ])('reject a stream reference with %s, saying what was expected and what arrived', (_, change, reason) => {
    const e = entry(0, '0');
    const bad = { ...e, streams: [{ ...e.streams[0]!, ...change }] };
    const parsed = parseManifest('manifests/k.json', serializeManifest(bad));
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.reason).toMatch(/^manifest manifests\/k\.json: /);
    expect(parsed.ok ? '' : parsed.reason).toMatch(reason);
  });

  it('round-trip through their serialized form', () => {
    const e = entry(0, '0');
    expect(parseManifest('k', serializeManifest(e))).toEqual({ ok: true, entry: e });
  });

  it('keep timestamps exact beyond 2^53 (as decimal strings) and read manifests written with plain numbers', () => {
    const e = { ...entry(0, '0'), minTimestamp: -1n, maxTimestamp: 2n ** 53n + 1n, streams: [{ source: 'samples', label: 'content', sha256: 'a'.repeat(64), timestamp: 1_700_000_000_000_000_000n }] };
    const text = serializeManifest(e).toString();
    expect(JSON.parse(text)).toMatchObject({ minTimestamp: -1, maxTimestamp: '9007199254740993', streams: [{ timestamp: '1700000000000000000' }] });
    expect(parseManifest('k', Buffer.from(text))).toEqual({ ok: true, entry: e });
    // A manifest of an earlier version: numbers only.
    const old = JSON.stringify({ ...JSON.parse(serializeManifest(entry(0, '0')).toString()), minTimestamp: 1767322800000, maxTimestamp: 1767322800999 });
    expect(parseManifest('k', Buffer.from(old))).toMatchObject({ ok: true, entry: { minTimestamp: 1767322800000n, maxTimestamp: 1767322800999n } });
  });

  it('say which field is wrong in a damaged manifest', () => {
    const bad = { ...entry(0, '0'), sha256: 'nothex' };
    const parsed = parseManifest('m.json', serializeManifest(bad));
    expect(parsed).toEqual({ ok: false, reason: expect.stringMatching(/^manifest m\.json: sha256: /) });
    expect(parseManifest('m.json', Buffer.from('{not json'))).toMatchObject({ ok: false, reason: expect.stringMatching(/expected JSON/) });
  });
});
