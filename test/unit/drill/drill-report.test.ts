import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, reportSha256, sealReport } from '../../../src/drill/drill-report.js';

describe('drill report checksum', () => {
  it('is the sha256 of the canonical JSON (sorted keys, no whitespace) without the report_sha256 field', () => {
    const sealed = sealReport({ b: 1, a: { d: [1, 'x', null], c: true } });
    const expected = createHash('sha256').update('{"a":{"c":true,"d":[1,"x",null]},"b":1}').digest('hex');
    expect(sealed.report_sha256).toBe(expected);
    // A reader checks it from the parsed file, whatever its key order or indentation.
    const reread = JSON.parse(JSON.stringify(sealed, null, 2)) as Record<string, unknown>;
    expect(reportSha256(reread)).toBe(sealed.report_sha256);
    expect(reportSha256({ ...reread, b: 2 })).not.toBe(sealed.report_sha256);
    expect(canonicalJson({ z: undefined, y: 'é' })).toBe('{"y":"é"}');
  });
});
