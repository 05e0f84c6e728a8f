import type { EventInspector } from '../events/event-inspector.js';
import type { StreamRef } from '../refs/stream-ref.js';
import type { ManifestStream } from '../storage/manifest.js';

/** Without a schema nothing is decoded: every event is backed up and none references streams. */
export const opaqueInspector: EventInspector = {
  inspect: (value) => (value === null ? { kind: 'tombstone' } : { kind: 'valid', references: [], rejected: [] }),
};

export function toManifestStreams(references: readonly StreamRef[], timestamp: bigint): ManifestStream[] {
  return references.map((r) => ({ source: r.source, label: r.label, sha256: r.sha256, timestamp }));
}
