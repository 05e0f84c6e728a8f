/**
 * Exact translation of a consumer group's committed offset on an original partition into the
 * offset of the restore target's partition: the target offset of the first restored record whose
 * original offset (the `streamvault.original.offset` header) is at or after the committed one. No
 * interpolation: offsets between records (compaction, transaction markers, retention) and records
 * the restore skipped map to the next record that is there.
 */
export type Translation =
  /** A restored record at or after the committed offset: the group resumes exactly at it. */
  | { readonly kind: 'record'; readonly target: bigint; readonly originOffset: bigint }
  /** Every restored record is below the committed offset: the group resumes at the target's end. */
  | { readonly kind: 'past-last'; readonly target: bigint; readonly lastOriginOffset: bigint }
  /** The target partition holds no restored record of this original partition: its end. */
  | { readonly kind: 'no-records'; readonly target: bigint };

/**
 * Collects, from a scan of one target partition, what the translation of several committed
 * offsets of one original partition needs: per committed offset the smallest original offset at
 * or after it (and that record's target offset), and the last original offset seen. O(offsets)
 * memory whatever the size of the partition; records may come in any order.
 */
export class PartitionTranslator {
  readonly #committed: readonly bigint[];
  readonly #best: Array<{ origin: bigint; target: bigint } | undefined>;
  #last: bigint | undefined;

  constructor(committed: readonly bigint[]) {
    this.#committed = committed;
    this.#best = committed.map(() => undefined);
  }

  /** A restored record of this original partition at `target` in the target partition. */
  visit(originOffset: bigint, target: bigint): void {
    if (this.#last === undefined || originOffset > this.#last) this.#last = originOffset;
    this.#committed.forEach((c, i) => {
      if (originOffset < c) return;
      const best = this.#best[i];
      // A record restored twice (another restore into the same topic) counts at its first place.
      if (!best || originOffset < best.origin || (originOffset === best.origin && target < best.target)) this.#best[i] = { origin: originOffset, target };
    });
  }

  /** The highest original offset restored into this target partition, if any. */
  get lastOriginOffset(): bigint | undefined {
    return this.#last;
  }

  /** The translation of `committed[index]`; `end` is the target partition's high watermark. */
  translate(index: number, end: bigint): Translation {
    const best = this.#best[index];
    if (best) return { kind: 'record', target: best.target, originOffset: best.origin };
    if (this.#last === undefined) return { kind: 'no-records', target: end };
    return { kind: 'past-last', target: end, lastOriginOffset: this.#last };
  }
}

/** One committed offset against a list of restored records `{ origin, target }` (for tests and small inputs). */
export function translateCommittedOffset(committed: bigint, records: Iterable<{ origin: bigint; target: bigint }>, end: bigint): Translation {
  const translator = new PartitionTranslator([committed]);
  for (const r of records) translator.visit(r.origin, r.target);
  return translator.translate(0, end);
}

/** The note of a translation table row. */
export function describeTranslation(committed: bigint, t: Translation): string {
  switch (t.kind) {
    case 'record':
      return t.originOffset === committed ? 'exact: the record at the committed offset' : `next restored record: original offset ${t.originOffset}`;
    case 'past-last':
      return `beyond the last restored record (original offset ${t.lastOriginOffset}): the target's end`;
    case 'no-records':
      return "no restored records in this partition: the target's end";
  }
}
