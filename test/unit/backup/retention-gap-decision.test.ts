import { describe, expect, it } from 'vitest';
import { decideRetentionGap, needsBackupEnd } from '../../../src/backup/retention-gap-decision.js';

describe('decideRetentionGap', () => {
  it('finds nothing missing where nothing was backed up or committed: the configured start applies', () => {
    expect(decideRetentionGap({ committed: undefined, backupEnd: undefined, logStart: 500n })).toEqual({ kind: 'start' });
  });

  it('continues at the committed offset while the log still starts at or below it', () => {
    expect(decideRetentionGap({ committed: 10n, backupEnd: undefined, logStart: 10n })).toEqual({ kind: 'continue', continueAt: 10n });
    expect(decideRetentionGap({ committed: 10n, backupEnd: undefined, logStart: 0n })).toEqual({ kind: 'continue', continueAt: 10n });
  });

  it('records from the committed offset to the log start minus one when the log start passed it, and reads on from the log start', () => {
    expect(decideRetentionGap({ committed: 10n, backupEnd: undefined, logStart: 32n })).toEqual({
      kind: 'gap',
      from: 10n,
      to: 31n,
      continuedFrom: 'committed-offset',
      seekTo: 32n,
    });
    // One offset expired.
    expect(decideRetentionGap({ committed: 10n, backupEnd: 10n, logStart: 11n })).toMatchObject({ kind: 'gap', from: 10n, to: 10n });
  });

  it('never sees a gap in a compacted log: compaction leaves holes in the offsets but does not move the log start', () => {
    // Offsets 0..999 compacted down to a few records; the log start stays 0 and the commit anywhere above it.
    for (const committed of [1n, 37n, 999n, 1000n]) {
      expect(decideRetentionGap({ committed, backupEnd: committed, logStart: 0n }).kind).toBe('continue');
    }
  });

  it('without a commit (the group\'s offsets expired), continues after the last record the backup holds', () => {
    expect(decideRetentionGap({ committed: undefined, backupEnd: 100n, logStart: 150n })).toEqual({
      kind: 'gap',
      from: 100n,
      to: 149n,
      continuedFrom: 'backup-end',
      seekTo: 150n,
    });
    expect(decideRetentionGap({ committed: undefined, backupEnd: 100n, logStart: 60n })).toEqual({ kind: 'continue', continueAt: 100n });
  });

  it('counts a batch written but not committed (a crash between the two) as backed up', () => {
    // Records 10..39 are in the backup; the log now starts at 30: nothing is missing.
    expect(decideRetentionGap({ committed: 10n, backupEnd: 40n, logStart: 30n })).toEqual({ kind: 'continue', continueAt: 40n });
    expect(decideRetentionGap({ committed: 10n, backupEnd: 20n, logStart: 30n })).toMatchObject({ kind: 'gap', from: 20n, to: 29n, continuedFrom: 'backup-end' });
    // A backup end below the commit changes nothing.
    expect(decideRetentionGap({ committed: 10n, backupEnd: 5n, logStart: 30n })).toMatchObject({ kind: 'gap', from: 10n, to: 29n, continuedFrom: 'committed-offset' });
  });

  it('looks the backup end up only without a commit or when the log start passed the commit', () => {
    expect(needsBackupEnd(undefined, 0n)).toBe(true);
    expect(needsBackupEnd(10n, 11n)).toBe(true);
    expect(needsBackupEnd(10n, 10n)).toBe(false);
    expect(needsBackupEnd(10n, 0n)).toBe(false);
  });
});
