import { existsSync, appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTimestamp } from '../../../src/restore/restore-plan.js';
import { comparableFromBackup, originalPosition, recordDigest, toRestoredMessage } from '../../../src/restore/restored-record.js';
import { RestoreJournal } from '../../../src/restore/restore-journal.js';
import { Throttle } from '../../../src/restore/throttle.js';
import { targetPartition } from '../../../src/restore/event-restorer.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const record = {
  topic: 'samples.sourced',
  partition: 2,
  offset: '41',
  timestamp: 1_767_322_800_000n,
  key: Buffer.from('k'),
  value: null,
  headers: [
    { key: 'a', value: Buffer.from('1') },
    { key: 'a', value: null },
  ],
};

describe('parseTimestamp', () => {
  it('accepts UTC times, dates and epoch ms; refuses a time without a zone', () => {
    expect(parseTimestamp('--until', '2026-01-02T03:00:00Z')).toEqual({ ok: true, ms: Date.UTC(2026, 0, 2, 3) });
    expect(parseTimestamp('--until', '2026-01-02')).toEqual({ ok: true, ms: Date.UTC(2026, 0, 2) });
    expect(parseTimestamp('--until', '1767322800000')).toEqual({ ok: true, ms: 1_767_322_800_000 });
    const refused = parseTimestamp('--until', '2026-01-02T03:00:00');
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.message).toContain('got "2026-01-02T03:00:00"');
  });
});

describe('restored records', () => {
  it('carries the original position and sends null header values as empty ones, counted', () => {
    const { message, nullHeaders } = toRestoredMessage(record, 0);
    expect(nullHeaders).toBe(1);
    expect(message.headers!.a).toEqual([Buffer.from('1'), Buffer.alloc(0)]);
    expect(originalPosition(message.headers)).toEqual({ topic: 'samples.sourced', partition: 2, offset: 41n });
    expect(message.timestamp).toBe('1767322800000');
  });

  it('sends header keys named like Object.prototype members as headers, exactly as kafkajs encodes them', () => {
    const poison = { ...record, headers: ['constructor', '__proto__', 'toString', 'constructor'].map((key, i) => ({ key, value: Buffer.from(`v${i}`) })) };
    const { message } = toRestoredMessage(poison, 0);
    const headers = message.headers!;
    expect(Object.keys(headers)).toEqual(['constructor', '__proto__', 'toString', 'streamvault.original.topic', 'streamvault.original.partition', 'streamvault.original.offset']);
    expect(headers['constructor']).toEqual([Buffer.from('v0'), Buffer.from('v3')]);
    expect(headers['__proto__']).toEqual(Buffer.from('v1'));
    expect(headers['toString']).toEqual(Buffer.from('v2'));
  });

  it('digests differ when any reproduced field differs', () => {
    const base = recordDigest(comparableFromBackup(record));
    expect(recordDigest(comparableFromBackup({ ...record }))).toBe(base);
    expect(recordDigest(comparableFromBackup({ ...record, value: Buffer.alloc(0) }))).not.toBe(base);
    expect(recordDigest(comparableFromBackup({ ...record, offset: '42' }))).not.toBe(base);
    expect(recordDigest(comparableFromBackup({ ...record, timestamp: record.timestamp + 1n }))).not.toBe(base);
  });

  it('digests a record the same from the message built for its produce request, whatever the target partition', () => {
    const withHeaders = { ...record, headers: [{ key: 'h', value: Buffer.from('1') }, { key: 'h', value: null }] };
    const fresh = recordDigest(comparableFromBackup(withHeaders));
    for (const partition of [0, withHeaders.partition, 7]) {
      expect(recordDigest(comparableFromBackup(withHeaders, toRestoredMessage(withHeaders, partition).message))).toBe(fresh);
    }
    expect(recordDigest(comparableFromBackup(withHeaders, toRestoredMessage(record, 0).message))).not.toBe(fresh);
  });

  it('keeps the partition number when the target has it, else partitions by key deterministically', () => {
    expect(targetPartition('t', record, 4)).toBe(2);
    const byKey = targetPartition('t', { ...record, partition: 9 }, 4);
    expect(byKey).toBe(targetPartition('t', { ...record, partition: 7 }, 4));
    expect(targetPartition('t', { ...record, partition: 9, key: null }, 4)).toBe(1);
  });
});

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

describe('Throttle', () => {
  it('allows one second of burst, then holds the rate', () => {
    let now = 10_000;
    const throttle = new Throttle({ eventsPerSecond: 100, bytesPerSecond: 0, now: () => now });
    expect(throttle.reserve(100, 0)).toBe(0);
    expect(throttle.reserve(50, 0)).toBe(500);
    now += 500;
    expect(throttle.reserve(10, 0)).toBe(100);
    const unlimited = new Throttle({ eventsPerSecond: 0, bytesPerSecond: 0, now: () => now });
    expect(unlimited.reserve(1e9, 1e12)).toBe(0);
    expect(() => new Throttle({ eventsPerSecond: -1, bytesPerSecond: 0 })).toThrow('got `-1`');
  });
});
