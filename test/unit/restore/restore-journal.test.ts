import { existsSync, appendFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RestoreJournal, targetId, writeFileAtomic } from '../../../src/restore/restore-journal.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

describe('RestoreJournal', () => {
  const identity = { backup: 's3://b/', topicTemplate: '{topic}', streamTarget: 'none', brokers: ['x:1'] };
  const stream = (c: string) => ({ sha256: c.repeat(64), source: 's', label: 'l' });

  it('ignores a torn last line and appends after it cleanly', async () => {
    const stateDir = makeTempDir('journal-');
    const journal = await RestoreJournal.open(stateDir, identity);
    await journal.appendStream(stream('a'));
    await journal.close();
    appendFileSync(join(journal.dir, 'streams.jsonl'), '{"op":"put","value":{"sha256":"bbb');
    const reopened = await RestoreJournal.open(stateDir, identity);
    expect(reopened.hasStream(stream('a'))).toBe(true);
    expect(reopened.hasStream(stream('b'))).toBe(false);
    await reopened.appendStream(stream('c'));
    await reopened.close();
    const again = await RestoreJournal.open(stateDir, identity);
    expect([stream('a'), stream('b'), stream('c')].map((s) => again.hasStream(s))).toEqual([true, false, true]);
    await again.close();
  });

  it('refuses to trust a line that is not a valid cursor', async () => {
    const stateDir = makeTempDir('journal-');
    const journal = await RestoreJournal.open(stateDir, identity);
    await journal.close();
    writeFileSync(join(journal.dir, 'streams.jsonl'), `${JSON.stringify({ op: 'put', value: { sha256: '../../etc/passwd', source: 's', label: 'l' } })}\n`);
    const reopened = await RestoreJournal.open(stateDir, identity);
    expect(reopened.hasStream({ sha256: '../../etc/passwd', source: 's', label: 'l' })).toBe(false);
    await reopened.close();
  });

  it('refuses a posted-stream line whose source or label is hostile, as manifests and the stream journals do, keeps the others, and names each skipped line', async () => {
    const stateDir = makeTempDir('journal-');
    const journal = await RestoreJournal.open(stateDir, identity);
    await journal.close();
    const good = (n: number) => ({ sha256: String(n).repeat(64), source: 'samples', label: 'content' });
    const hostile = [
      { ...good(2), source: '../x' },
      { ...good(3), label: 'con\u0000tent' },
      { ...good(4), source: '' },
    ];
    const lines = [good(1), ...hostile, good(5)].map((value) => JSON.stringify({ op: 'put', value }));
    writeFileSync(join(journal.dir, 'streams.jsonl'), `${lines.join('\n')}\n`);
    const reopened = await RestoreJournal.open(stateDir, identity);
    expect([good(1), good(5)].map((s) => reopened.hasStream(s))).toEqual([true, true]);
    expect(hostile.map((s) => reopened.hasStream(s))).toEqual([false, false, false]);
    expect(reopened.problems).toHaveLength(3);
    expect(reopened.problems[0]).toMatch(/^streams\.jsonl line 2: .*source/);
    expect(reopened.problems[1]).toMatch(/^streams\.jsonl line 3: .*label/);
    expect(reopened.problems[2]).toMatch(/^streams\.jsonl line 4: .*source/);
    await reopened.close();
  });

  it('keeps batches in the order they finished, and forgets them on reset while keeping the old file', async () => {
    const stateDir = makeTempDir('journal-');
    const journal = await RestoreJournal.open(stateDir, identity);
    const line = (key: string) => ({
      key,
      topic: 't',
      partition: 0,
      targetTopic: 't',
      from: '0',
      to: '9',
      count: 10,
      digest: 'ab',
      targets: { '0': ['0', '9'] as const },
      after: { '0': '10' },
    });
    await journal.appendBatch(line('k2'));
    await journal.appendBatch(line('k1'));
    expect(journal.batches.map((b) => b.key)).toEqual(['k2', 'k1']);
    await journal.reset();
    expect(journal.batches).toEqual([]);
    expect(existsSync(join(journal.dir, 'events.jsonl.previous'))).toBe(true);
    await journal.appendBatch(line('k3'));
    await journal.close();
    const reopened = await RestoreJournal.open(stateDir, identity);
    expect(reopened.batches.map((b) => b.key)).toEqual(['k3']);
    await reopened.close();
  });
});

describe('targetId', () => {
  const identity = { backup: 's3://b/', topicTemplate: '{topic}', streamTarget: 'none', brokers: ['x:1'] };

  it('names a target by backup, topic template and stream target, not by its broker addresses', () => {
    expect(targetId(identity)).toMatch(/^[0-9a-f]{16}$/);
    expect(targetId({ ...identity, brokers: ['y:2', 'z:3'] })).toBe(targetId(identity));
    expect(targetId({ ...identity, backup: 's3://c/' })).not.toBe(targetId(identity));
    expect(targetId({ ...identity, topicTemplate: 'restored.{topic}' })).not.toBe(targetId(identity));
    expect(targetId({ ...identity, streamTarget: 'http://x' })).not.toBe(targetId(identity));
  });

  it('opens the journal of a target under restore/<target id>, with target.json saying what it is', async () => {
    const stateDir = makeTempDir('journal-');
    const journal = await RestoreJournal.open(stateDir, identity);
    await journal.close();
    expect(journal.dir).toBe(join(stateDir, 'restore', targetId(identity)));
    expect(JSON.parse(readFileSync(join(journal.dir, 'target.json'), 'utf8'))).toEqual({ version: 1, ...identity });
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file whole and leaves no temporary file behind', async () => {
    const dir = makeTempDir('atomic-');
    const path = join(dir, 'f.json');
    writeFileSync(path, 'old content that is longer');
    await writeFileAtomic(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['f.json']);
  });
});

describe('RestoreJournal batch lines', () => {
  const identity = { backup: 's3://b/', topicTemplate: '{topic}', streamTarget: 'none', brokers: ['x:1'] };
  const line = (key: string, targetTopic: string, count: number) => ({
    key,
    topic: 't',
    partition: 0,
    targetTopic,
    from: '0',
    to: String(count - 1),
    count,
    digest: 'ab',
    targets: { '0': ['0', String(count - 1)] as const },
    after: { '0': String(count) },
  });

  it('keeps one line per batch and target topic: a batch finished again replaces its line and moves to the end, also after a reopen', async () => {
    const stateDir = makeTempDir('journal-');
    const journal = await RestoreJournal.open(stateDir, identity);
    await journal.appendBatch(line('k1', 't', 5));
    await journal.appendBatch(line('k1', 'other', 5));
    await journal.appendBatch(line('k2', 't', 5));
    await journal.appendBatch(line('k1', 't', 3));
    const seen = (j: RestoreJournal) => j.batches.map((b) => [b.key, b.targetTopic, b.count]);
    expect(seen(journal)).toEqual([['k1', 'other', 5], ['k2', 't', 5], ['k1', 't', 3]]);
    await journal.close();
    const reopened = await RestoreJournal.open(stateDir, identity);
    expect(seen(reopened)).toEqual([['k1', 'other', 5], ['k2', 't', 5], ['k1', 't', 3]]);
    await reopened.close();
  });
});
