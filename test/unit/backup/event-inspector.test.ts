import { describe, expect, it } from 'vitest';
import { opaqueInspector, toManifestStreams } from '../../../src/backup/event-inspector.js';

describe('opaqueInspector', () => {
  it('takes every event as valid with no references, and a null value as a tombstone', () => {
    expect(opaqueInspector.inspect(Buffer.from('not avro at all'))).toEqual({ kind: 'valid', references: [], rejected: [] });
    expect(opaqueInspector.inspect(Buffer.alloc(0))).toEqual({ kind: 'valid', references: [], rejected: [] });
    expect(opaqueInspector.inspect(null)).toEqual({ kind: 'tombstone' });
  });
});

describe('toManifestStreams', () => {
  it('keeps source, label and sha256 of each reference, stamped with the event\'s timestamp', () => {
    const refs = [
      { source: 'samples', label: 'content', sha256: 'a'.repeat(64), extra: 'dropped' },
      { source: 'system', label: 'thumb', sha256: 'b'.repeat(64) },
    ];
    expect(toManifestStreams(refs, 1_700_000_000_000n)).toEqual([
      { source: 'samples', label: 'content', sha256: 'a'.repeat(64), timestamp: 1_700_000_000_000n },
      { source: 'system', label: 'thumb', sha256: 'b'.repeat(64), timestamp: 1_700_000_000_000n },
    ]);
    expect(toManifestStreams([], 0n)).toEqual([]);
  });
});
