import type { ManifestEntry } from '../../src/storage/manifest.js';

/** A valid manifest entry of samples/sourced: 10 records from `firstOffset`, one stream. */
export const manifestEntry = (partition: number, firstOffset: string): ManifestEntry => ({
  version: 1,
  key: `events/samples/sourced/p${String(partition).padStart(6, '0')}/${firstOffset.padStart(20, '0')}-2026-01-01.avro`,
  source: 'samples',
  event: 'sourced',
  topic: 'samples.sourced',
  partition,
  firstOffset,
  lastOffset: String(Number(firstOffset) + 9),
  count: 10,
  malformed: 0,
  malformedOffsets: [],
  minTimestamp: 1n,
  maxTimestamp: 2n,
  bytes: 100,
  sha256: 'f'.repeat(64),
  codec: 'deflate',
  writtenAt: '2026-01-01T00:00:00.000Z',
  streams: [{ source: 'samples', label: 'content', sha256: 'a'.repeat(64), timestamp: 1n }],
});
