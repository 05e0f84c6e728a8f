import { z } from 'zod';
import { streamRefShape, type StreamRef } from '../refs/stream-ref.js';
import { SHA256_HEX, type KeyLayout } from '../storage/key-layout.js';
import type { ObjectStore } from '../storage/object-store.js';

/**
 * `{prefix}streams-missing/{sha[0:2]}/{sha}.json`: written when a referenced stream was still
 * missing at its source (404) after STREAMVAULT_STREAM_MISSING_RETRY_WINDOW_SECONDS. It records in
 * the backup itself that the stream was never available to copy, so `verify` and restore report
 * it as "unavailable at the source" and not as a lost backup object. Deleted when the stream lands
 * later; a marker next to a stored stream means nothing (the stream wins).
 */
export const missingStreamMarkerSchema = z.object({
  ...streamRefShape,
  /** ISO time of the first 404. */
  firstSeen: z.string(),
  /** ISO time of the last attempt (the one that wrote this marker). */
  lastTried: z.string(),
  attempts: z.number().int().nonnegative(),
  reason: z.string(),
});
export type MissingStreamMarker = z.infer<typeof missingStreamMarkerSchema>;

export class MissingStreamMarkers {
  readonly #store: ObjectStore;
  readonly #layout: KeyLayout;

  constructor(store: ObjectStore, layout: KeyLayout) {
    this.#store = store;
    this.#layout = layout;
  }

  async write(ref: StreamRef, details: Omit<MissingStreamMarker, 'sha256' | 'source' | 'label'>): Promise<void> {
    const marker: MissingStreamMarker = { sha256: ref.sha256, source: ref.source, label: ref.label, ...details };
    await this.#store.put(this.#layout.streamMissingKey(ref.sha256), Buffer.from(`${JSON.stringify(marker)}\n`), {
      contentType: 'application/json',
    });
  }

  async delete(sha256: string): Promise<void> {
    await this.#store.delete(this.#layout.streamMissingKey(sha256));
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.#store.head(this.#layout.streamMissingKey(sha256))) !== undefined;
  }

  /** The sha256 of every marker in the backup (from the keys; the bodies are for people). */
  async list(): Promise<Set<string>> {
    const found = new Set<string>();
    const prefix = this.#layout.streamsMissingPrefix();
    for await (const object of this.#store.list(prefix)) {
      const name = object.key.slice(object.key.lastIndexOf('/') + 1);
      const sha256 = name.endsWith('.json') ? name.slice(0, -5) : '';
      if (SHA256_HEX.test(sha256) && object.key === this.#layout.streamMissingKey(sha256)) found.add(sha256);
    }
    return found;
  }
}
