import { LRUCache } from 'lru-cache';

/**
 * sha256s seen recently. An entry means the blob is stored, or is journaled (pending or failed)
 * and so durable already: a reference that hits needs no work at all. Events of one binary
 * usually arrive close together (sourced, extracted, augmented...), which is what makes this pay.
 * Losing an entry (eviction, restart) only costs a journal line and a HEAD.
 */
export class HitCache {
  readonly #cache: LRUCache<string, true>;

  /** `max`: entries, from 1 (STREAMVAULT_STREAM_HIT_CACHE_SIZE, default 16000). */
  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) {
      throw new TypeError(`Expected \`max\` to be an integer from 1 and up, got \`${max}\` (${typeof max})`);
    }
    this.#cache = new LRUCache({ max });
  }

  /** Whether `sha256` was seen recently; a hit refreshes its recency. */
  hit(sha256: string): boolean {
    return this.#cache.get(sha256) === true;
  }

  remember(sha256: string): void {
    this.#cache.set(sha256, true);
  }

  get size(): number {
    return this.#cache.size;
  }
}
