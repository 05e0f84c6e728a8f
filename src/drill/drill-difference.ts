import type { StreamRef } from '../refs/stream-ref.js';

/** One thing a drill found different between the backup and its scratch restore. */
export type DrillDifference =
  | { readonly kind: 'backup-object-unreadable'; readonly key: string; readonly reason: string }
  | { readonly kind: 'manifest-unreadable'; readonly key: string; readonly reason: string }
  | { readonly kind: 'record-missing'; readonly topic: string; readonly partition: number; readonly offset: string }
  | {
      readonly kind: 'record-differs';
      readonly topic: string;
      readonly partition: number;
      readonly offset: string;
      /** Which of key, value, headers, timestamp differ. */
      readonly fields: readonly string[];
      readonly target: ScratchPosition;
    }
  | { readonly kind: 'record-unexpected'; readonly reason: string; readonly target: ScratchPosition }
  | ({ readonly kind: 'blob-missing' } & StreamRef)
  | ({ readonly kind: 'blob-differs'; readonly got: string; readonly bytes: number } & StreamRef);

export interface ScratchPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** Keeps the first `limit` differences and counts them all. */
export class DifferenceList {
  readonly #limit: number;
  readonly #shown: DrillDifference[] = [];
  #total = 0;
  readonly #byKind = new Map<string, number>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  add(difference: DrillDifference): void {
    this.#total += 1;
    this.#byKind.set(difference.kind, (this.#byKind.get(difference.kind) ?? 0) + 1);
    if (this.#shown.length < this.#limit) this.#shown.push(difference);
  }

  get total(): number {
    return this.#total;
  }

  toJSON(): { total: number; by_kind: Record<string, number>; shown: DrillDifference[] } {
    return { total: this.#total, by_kind: Object.fromEntries([...this.#byKind].sort(([a], [b]) => a.localeCompare(b))), shown: [...this.#shown] };
  }
}
