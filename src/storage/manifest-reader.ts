import PQueue from 'p-queue';
import type { KeyLayout, PairName } from './key-layout.js';
import { parseManifest, type ManifestEntry } from './manifest.js';
import type { ObjectStore } from './object-store.js';

export interface ManifestReadProblem {
  readonly key: string;
  readonly reason: string;
}

export interface ManifestListing {
  /** Entries sorted by source, event, partition, first offset. */
  readonly entries: ManifestEntry[];
  readonly problems: ManifestReadProblem[];
}

/** Reads every manifest under the backup (or one pair), a few at a time. */
export async function readManifests(
  store: ObjectStore,
  layout: KeyLayout,
  options: { pairs?: readonly PairName[]; concurrency?: number } = {},
): Promise<ManifestListing> {
  const prefixes = options.pairs ? options.pairs.map((p) => layout.manifestsPrefix(p)) : [layout.manifestsPrefix()];
  const keys: string[] = [];
  for (const prefix of prefixes) {
    for await (const object of store.list(prefix)) if (object.key.endsWith('.json')) keys.push(object.key);
  }
  const queue = new PQueue({ concurrency: options.concurrency ?? 16 });
  const entries: ManifestEntry[] = [];
  const problems: ManifestReadProblem[] = [];
  await queue.addAll(
    keys.map((key) =>
      async () => {
        try {
          const parsed = parseManifest(key, await store.get(key));
          if (parsed.ok) entries.push(parsed.entry);
          else problems.push({ key, reason: parsed.reason });
        } catch (error) {
          problems.push({ key, reason: `manifest ${key}: ${(error as Error).message}` });
        }
      },
    ),
  );
  entries.sort(compareEntries);
  problems.sort((a, b) => a.key.localeCompare(b.key));
  return { entries, problems };
}

export function compareEntries(a: ManifestEntry, b: ManifestEntry): number {
  return (
    a.source.localeCompare(b.source) ||
    a.event.localeCompare(b.event) ||
    a.partition - b.partition ||
    compareOffsets(a.firstOffset, b.firstOffset)
  );
}

export function compareOffsets(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
