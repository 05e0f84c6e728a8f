import { createHash } from 'node:crypto';

/**
 * The report's own checksum: sha256 (hex) of its canonical JSON with the `report_sha256` field
 * removed. Canonical: object keys sorted by UTF-16 code units at every level, no whitespace,
 * JSON.stringify's string and number forms (the report holds only strings, integers, booleans,
 * null, arrays and objects, for which this equals RFC 8785). To check a report:
 * delete report_sha256, canonicalize, sha256, compare.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function reportSha256(report: Record<string, unknown>): string {
  const { report_sha256: _ignored, ...rest } = report;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

/** The report with its checksum as the last field. */
export function sealReport<T extends Record<string, unknown>>(report: T): T & { report_sha256: string } {
  // Round-tripped so that what is hashed is what a reader parses (toJSON methods applied, undefined dropped).
  const plain = JSON.parse(JSON.stringify(report)) as T;
  return { ...plain, report_sha256: reportSha256(plain) };
}
