import { createReadStream } from 'node:fs';
import type { PlannedStream } from '../restore/restore-plan.js';
import { directoryStreamPath } from '../restore/stream-targets.js';
import { sha256OfStream } from '../storage/sha256-stream.js';
import type { DifferenceList } from './drill-difference.js';

export interface BlobCounts {
  /** (blob, source, label) references the backup's events in scope name and the backup holds or should hold. */
  readonly expected: number;
  readonly matched: number;
  readonly missing: number;
  readonly differing: number;
  /** Referenced blobs the daemon recorded as never available at the source: not expected, not a difference. */
  readonly unavailable_at_source: number;
  readonly bytes: number;
}

/** Hashes every blob the drill restored into its scratch directory and checks it is the sha256 it is stored under. */
export async function compareBlobs(streams: readonly PlannedStream[], dir: string, differences: DifferenceList): Promise<BlobCounts> {
  let expected = 0;
  let matched = 0;
  let missing = 0;
  let differing = 0;
  let unavailable = 0;
  let bytes = 0;
  for (const s of streams) {
    if (s.unavailableAtSource) {
      unavailable += s.references.length;
      continue;
    }
    for (const ref of s.references) {
      expected += 1;
      const path = directoryStreamPath(dir, { ...ref, sha256: s.sha256 });
      let got: string;
      let size: number;
      try {
        ({ sha256: got, bytes: size } = await sha256OfStream(createReadStream(path)));
      } catch {
        missing += 1;
        differences.add({ kind: 'blob-missing', sha256: s.sha256, source: ref.source, label: ref.label });
        continue;
      }
      bytes += size;
      if (got === s.sha256) matched += 1;
      else {
        differing += 1;
        differences.add({ kind: 'blob-differs', sha256: s.sha256, source: ref.source, label: ref.label, got, bytes: size });
      }
    }
  }
  return { expected, matched, missing, differing, unavailable_at_source: unavailable, bytes };
}
