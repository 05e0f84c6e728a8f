import { createHash } from 'node:crypto';

/**
 * Which objects `verify --read-data-subset` downloads.
 *   `n/t`  a fixed part: objects whose key hashes to n-1 modulo t, so `1/t` ... `t/t` together
 *          read every object exactly once, whatever the order of listing or the runs in between.
 *   `x%`   a random sample of about x percent, different every run.
 */
export type DataSubset =
  | { kind: 'all' }
  | { kind: 'part'; n: number; t: number }
  | { kind: 'percent'; percent: number };

export type ParseSubsetResult = { ok: true; subset: DataSubset } | { ok: false; message: string };

export function parseDataSubset(raw: string): ParseSubsetResult {
  const text = raw.trim();
  const part = /^(\d+)\/(\d+)$/.exec(text);
  if (part) {
    const n = Number(part[1]);
    const t = Number(part[2]);
    if (t >= 1 && n >= 1 && n <= t) return { ok: true, subset: { kind: 'part', n, t } };
    return { ok: false, message: `expected n/t with 1 <= n <= t (such as 2/5), got ${JSON.stringify(raw)}` };
  }
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (percent) {
    const value = Number(percent[1]);
    if (value > 0 && value <= 100) return { ok: true, subset: { kind: 'percent', percent: value } };
    return { ok: false, message: `expected a percentage above 0 and at most 100 (such as 10%), got ${JSON.stringify(raw)}` };
  }
  return { ok: false, message: `expected n/t (such as 1/5) or x% (such as 10%), got ${JSON.stringify(raw)}` };
}

/**
 * Whether `key` is in the subset. For `part`, the choice depends on the key alone (sha256 of the
 * key, first 8 bytes, modulo t), never on what else is in the bucket, so parts stay disjoint as
 * the backup grows between runs.
 */
export function inSubset(subset: DataSubset, key: string, random: () => number = Math.random): boolean {
  switch (subset.kind) {
    case 'all':
      return true;
    case 'part':
      return Number(createHash('sha256').update(key).digest().readBigUInt64BE(0) % BigInt(subset.t)) === subset.n - 1;
    case 'percent':
      return random() * 100 < subset.percent;
  }
}

export function describeSubset(subset: DataSubset): string {
  switch (subset.kind) {
    case 'all':
      return 'all data';
    case 'part':
      return `part ${subset.n}/${subset.t}`;
    case 'percent':
      return `random ${subset.percent}%`;
  }
}
