/**
 * The order in which a restore produces its pairs: a list of `source/event` patterns (`*` matches
 * any source or event). Every pair matching an entry (its first match) is one step; steps run one
 * after the other, and pairs matching no entry form the last step.
 */
export interface PairOrder {
  readonly entries: ReadonlyArray<{ readonly source: string; readonly event: string }>;
}

export type PairOrderResult = { kind: 'parsed'; order: PairOrder } | { kind: 'invalid'; errors: string[] };

const PART = /^(\*|[A-Za-z0-9_][A-Za-z0-9._-]{0,199})$/;

export function parsePairOrder(entries: readonly string[]): PairOrderResult {
  const errors: string[] = [];
  const parsed: Array<{ source: string; event: string }> = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const parts = entry.split('/').map((p) => p.trim());
    if (parts.length !== 2 || !PART.test(parts[0]!) || !PART.test(parts[1]!)) {
      errors.push(`expected source/event entries (a name or * on each side, e.g. system/insert or samples/*), got ${JSON.stringify(entry)}`);
      continue;
    }
    const key = `${parts[0]}/${parts[1]}`;
    if (seen.has(key)) {
      errors.push(`expected each entry once, got ${JSON.stringify(key)} twice`);
      continue;
    }
    seen.add(key);
    parsed.push({ source: parts[0]!, event: parts[1]! });
  }
  return errors.length > 0 ? { kind: 'invalid', errors } : { kind: 'parsed', order: { entries: parsed } };
}

/** Index of the step a pair belongs to: its first matching entry, else one past the last. */
export function stepOf(order: PairOrder, pair: { source: string; event: string }): number {
  const index = order.entries.findIndex(
    (e) => (e.source === '*' || e.source === pair.source) && (e.event === '*' || e.event === pair.event),
  );
  return index < 0 ? order.entries.length : index;
}

/** The items grouped into steps, in step order (empty steps left out); each step keeps the items' order. */
export function orderedSteps<T extends { source: string; event: string }>(order: PairOrder, items: readonly T[]): T[][] {
  const steps = new Map<number, T[]>();
  for (const item of items) {
    const step = stepOf(order, item);
    const list = steps.get(step) ?? [];
    list.push(item);
    steps.set(step, list);
  }
  return [...steps.entries()].sort(([a], [b]) => a - b).map(([, list]) => list);
}

export function describePairOrder(order: PairOrder): string {
  return order.entries.length === 0 ? '(all pairs at once)' : [...order.entries.map((e) => `${e.source}/${e.event}`), '(the rest)'].join(' -> ');
}
