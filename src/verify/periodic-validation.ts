import { IntervalLoop } from '../observability/interval-loop.js';
import type { Logger } from '../observability/logger.js';
import type { ValidationResult } from '../observability/metrics.js';
import type { KeyLayout } from '../storage/key-layout.js';
import type { ManifestEntry } from '../storage/manifest.js';
import type { ObjectStore } from '../storage/object-store.js';
import { checkBlobInStore, checkEventsObjectInStore, type Damage } from './verify-backup.js';

export interface PeriodicValidationDeps {
  readonly store: ObjectStore;
  readonly layout: KeyLayout;
  readonly logger: Logger;
  /** Milliseconds between runs. */
  readonly intervalMs: number;
  /** Objects re-read per run (events objects, and stored blobs they reference). */
  readonly sampleSize: number;
  /** Recent batches remembered to draw samples from. Default 1000. */
  readonly window?: number;
  readonly onResult: (result: ValidationResult) => void;
  readonly random?: () => number;
}

/**
 * A backup validation job inside the daemon: on an interval, re-read and re-hash a random sample
 * of the batches this process recently made durable (and the blobs they reference that are
 * stored; a blob still in the pending journal is not due yet), against their manifest entries.
 * Catches a store that acknowledges writes and then loses or alters them.
 */
export class PeriodicValidation {
  readonly #deps: PeriodicValidationDeps;
  readonly #recent: ManifestEntry[] = [];
  #loop: IntervalLoop | undefined;
  #running: Promise<ValidationResult> | undefined;

  constructor(deps: PeriodicValidationDeps) {
    this.#deps = deps;
  }

  /** Feed from PairWorkerObserver.onBatchDurable. */
  remember(entry: ManifestEntry): void {
    this.#recent.push(entry);
    const window = this.#deps.window ?? 1000;
    if (this.#recent.length > window) this.#recent.splice(0, this.#recent.length - window);
  }

  start(): void {
    this.#loop ??= new IntervalLoop(() => this.run(), {
      intervalMs: this.#deps.intervalMs,
      onError: (error) => this.#deps.logger.error({ err: error }, 'validation run failed'),
    });
    this.#loop.start();
  }

  /** Stops the schedule and waits for a run in progress. */
  async stop(): Promise<void> {
    await this.#loop?.stop();
    await this.#running;
  }

  /** One run; overlapping callers share it. Never rejects: a run that cannot finish is `failed`. */
  run(): Promise<ValidationResult> {
    this.#running ??= this.#runOnce().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #runOnce(): Promise<ValidationResult> {
    const { store, layout, logger, sampleSize } = this.#deps;
    let result: ValidationResult;
    try {
      const sample = this.#sample(sampleSize);
      const damaged: Damage[] = [];
      let checked = 0;
      let bytes = 0;
      const count = (n: number) => (bytes += n);
      for (const entry of sample) {
        if (checked >= sampleSize) break;
        const manifestKey = layout.manifestKey(entry, entry.partition, entry.firstOffset);
        checked += 1;
        const damage = await checkEventsObjectInStore(store, entry, manifestKey, count);
        if (damage) damaged.push(damage);
        for (const stream of entry.streams) {
          if (checked >= sampleSize) break;
          if ((await store.head(layout.streamKey(stream.sha256))) === undefined) continue;
          checked += 1;
          const blobDamage = await checkBlobInStore(store, layout, stream.sha256, manifestKey, count);
          if (blobDamage) damaged.push(blobDamage);
        }
      }
      result = damaged.length > 0 ? { kind: 'damaged', checked, bytes, damaged } : { kind: 'ok', checked, bytes };
    } catch (error) {
      result = { kind: 'failed', error: (error as Error).message };
    }
    if (result.kind === 'ok') logger.info({ checked: result.checked, bytes: result.bytes }, 'validation: sampled objects match their manifests');
    else if (result.kind === 'damaged') {
      logger.error(
        { checked: result.checked, damaged: result.damaged.map((d) => ({ key: d.key, reason: d.message })) },
        'validation: objects do not match their manifests; run `streamvault verify --read-data`',
      );
    } else logger.warn({ error: result.error }, 'validation could not run; it is retried at the next interval');
    this.#deps.onResult(result);
    return result;
  }

  /** A random sample without replacement from the remembered batches. */
  #sample(size: number): ManifestEntry[] {
    const random = this.#deps.random ?? Math.random;
    const pool = [...this.#recent];
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    return pool.slice(0, size);
  }
}
