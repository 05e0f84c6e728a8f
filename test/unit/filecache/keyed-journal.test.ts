import { appendFileSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyedJournal } from '../../../src/filecache/keyed-journal.js';
import { pendingStreamSchema, type PendingStream } from '../../../src/filecache/stream-file-cache.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const sha = (c: string) => c.repeat(64);
const entry = (c: string, source = 'samples'): PendingStream => ({ source, label: 'content', sha256: sha(c), since: '2026-01-01T00:00:00.000Z' });
const open = (path: string) => KeyedJournal.open(path, pendingStreamSchema, (v) => v.sha256);

describe('KeyedJournal', () => {
  it('keeps puts and deletes across a reopen', async () => {
    const path = join(makeTempDir('journal-'), 'j.jsonl');
    const { journal } = await open(path);
    await journal.put(entry('a'));
    await journal.put(entry('b'));
    await journal.delete(sha('a'));
    await journal.close();
    const again = await open(path);
    expect(again.journal.values()).toEqual([entry('b')]);
    expect(again.problems).toEqual([]);
    await again.journal.close();
  });

  it('ignores a torn last line and never glues the next append onto it', async () => {
    const path = join(makeTempDir('journal-'), 'j.jsonl');
    const { journal } = await open(path);
    await journal.put(entry('a'));
    await journal.close();
    appendFileSync(path, '{"op":"put","value":{"source":"samp'); // a crash mid-write
    const reopened = await open(path);
    expect(reopened.problems).toEqual([expect.stringContaining('torn last line')]);
    await reopened.journal.put(entry('b'));
    await reopened.journal.close();
    const last = await open(path);
    expect(last.problems).toEqual([]);
    expect(last.journal.values()).toEqual([entry('a'), entry('b')]);
    await last.journal.close();
  });

  it('validates every line again when reading: hostile and damaged entries are skipped and reported', async () => {
    const path = join(makeTempDir('journal-'), 'j.jsonl');
    const lines = [
      { op: 'put', value: entry('a') },
      { op: 'put', value: { ...entry('b'), sha256: 'b'.repeat(63) } },
      { op: 'put', value: { ...entry('c'), sha256: '../../etc/passwd' } },
      { op: 'put', value: { ...entry('d'), source: '..' } },
      { op: 'put', value: { ...entry('e'), label: 'con\u0000tent' } },
      { op: 'put', value: { ...entry('f'), source: 'a/b' } },
      { op: 'frobnicate', value: entry('0') },
    ].map((l) => JSON.stringify(l));
    writeFileSync(path, `${lines.join('\n')}\nnot json at all\n`);
    const { journal, problems } = await open(path);
    expect(journal.values()).toEqual([entry('a')]);
    expect(problems).toHaveLength(7);
    expect(problems.join('\n')).toMatch(/line 2: sha256: expected a sha256/);
    // Compaction at open rewrote the file with the valid entries only.
    expect(readFileSync(path, 'utf8')).toBe(`${JSON.stringify({ op: 'put', value: entry('a') })}\n`);
    await journal.close();
  });

  it('refuses to write an entry it would reject when reading', async () => {
    const { journal } = await open(join(makeTempDir('journal-'), 'j.jsonl'));
    await expect(journal.put({ ...entry('a'), sha256: 'x'.repeat(64) })).rejects.toThrow(/sha256/);
    await journal.close();
  });

  it('group-commits concurrent appends and compacts when dead lines pile up', async () => {
    const path = join(makeTempDir('journal-'), 'j.jsonl');
    const { journal } = await open(path);
    const hexes = Array.from({ length: 1500 }, (_, i) => i.toString(16).padStart(64, '0'));
    await Promise.all(hexes.map((h) => journal.put({ ...entry('a'), sha256: h })));
    expect(journal.size).toBe(1500);
    for (const h of hexes.slice(0, 1400)) await journal.delete(h);
    expect(journal.size).toBe(100);
    // 1500 puts + 1400 deletes were appended; compaction keeps the 100 live ones (plus few after it).
    const lines = readFileSync(path, 'utf8').trim().split('\n').length;
    expect(lines).toBeLessThan(1500);
    await journal.close();
    const again = await open(path);
    expect(new Set(again.journal.values().map((v) => v.sha256))).toEqual(new Set(hexes.slice(1400)));
    await again.journal.close();
  });

  it('replaces everything atomically, in order with appends', async () => {
    const path = join(makeTempDir('journal-'), 'j.jsonl');
    const { journal } = await open(path);
    const first = journal.put(entry('a'));
    const cleared = journal.replaceAll([]);
    const after = journal.put(entry('b'));
    await Promise.all([first, cleared, after]);
    expect(journal.values()).toEqual([entry('b')]);
    expect(existsSync(`${path}.tmp`)).toBe(false);
    await journal.close();
  });
});
