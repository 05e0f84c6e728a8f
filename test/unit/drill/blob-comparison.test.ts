import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareBlobs } from '../../../src/drill/blob-comparison.js';
import { DifferenceList } from '../../../src/drill/drill-difference.js';
import type { PlannedStream } from '../../../src/restore/restore-plan.js';
import { directoryStreamPath } from '../../../src/restore/stream-targets.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('compareBlobs', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'blob-comparison-test-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function place(ref: { source: string; label: string; sha256: string }, body: Buffer): Promise<void> {
    const path = directoryStreamPath(dir, ref);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body);
  }

  it('counts matched, differing (with the got sha256 and bytes) and missing blobs, and the bytes it hashed', async () => {
    const good = Buffer.alloc(100_000, 'g');
    const named = 'd'.repeat(64);
    const wrong = Buffer.from('bytes that do not hash to d...d');
    await place({ source: 'cam', label: 'front', sha256: sha(good) }, good);
    await place({ source: 'cam', label: 'rear', sha256: named }, wrong);
    const streams: PlannedStream[] = [
      { sha256: sha(good), key: 'k1', size: good.length, references: [{ source: 'cam', label: 'front' }] },
      { sha256: named, key: 'k2', size: wrong.length, references: [{ source: 'cam', label: 'rear' }, { source: 'cam', label: 'side' }] },
      { sha256: 'c'.repeat(64), key: 'k3', size: undefined, references: [{ source: 'cam', label: 'x' }], unavailableAtSource: true },
    ] as PlannedStream[];
    const differences = new DifferenceList(10);
    const counts = await compareBlobs(streams, dir, differences);
    expect(counts).toEqual({ expected: 3, matched: 1, missing: 1, differing: 1, unavailable_at_source: 1, bytes: good.length + wrong.length });
    expect(differences.toJSON().shown).toEqual([
      { kind: 'blob-differs', sha256: named, source: 'cam', label: 'rear', got: sha(wrong), bytes: wrong.length },
      { kind: 'blob-missing', sha256: named, source: 'cam', label: 'side' },
    ]);
  });
});
