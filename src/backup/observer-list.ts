import type { Pair } from '../config/pair.js';
import type { BackupRecord } from '../events/backup-record.js';
import type { ManifestEntry } from '../storage/manifest.js';
import type { PairWorkerObserver } from './pair-worker.js';

/**
 * Fans one worker observer out to several (validation, `--once`), each called in turn, in the
 * order given. An observer that throws is isolated: the others still see the call, its error goes
 * to `onError`, and the worker goes on (observing must never stop a worker).
 */
export class ObserverList implements PairWorkerObserver {
  readonly #observers: PairWorkerObserver[];
  readonly #onError: (error: unknown) => void;

  /** `observers`: every one there is, made before the workers it watches; `onError` gets what one of them throws. */
  constructor(observers: readonly PairWorkerObserver[], onError: (error: unknown) => void) {
    this.#observers = [...observers];
    this.#onError = onError;
  }

  onBatchDurable(pair: Pair, entry: ManifestEntry, records: readonly BackupRecord[]): void {
    this.#each((o) => o.onBatchDurable?.(pair, entry, records));
  }

  onConsumed(pair: Pair, count: number, where: { partition: number; lastOffset: string }): void {
    this.#each((o) => o.onConsumed?.(pair, count, where));
  }

  onMalformed(pair: Pair, where: { partition: number; offset: string }, reason: string): void {
    this.#each((o) => o.onMalformed?.(pair, where, reason));
  }

  onCommitted(pair: Pair, partition: number, offset: string): void {
    this.#each((o) => o.onCommitted?.(pair, partition, offset));
  }

  #each(call: (observer: PairWorkerObserver) => void): void {
    for (const observer of this.#observers) {
      try {
        call(observer);
      } catch (error) {
        this.#onError(error);
      }
    }
  }
}
