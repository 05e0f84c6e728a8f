import { describe, expect, it } from 'vitest';
import { ObserverList } from '../../../src/backup/observer-list.js';
import type { PairWorkerObserver } from '../../../src/backup/pair-worker.js';
import type { Pair } from '../../../src/config/pair.js';
import type { BackupRecord } from '../../../src/events/backup-record.js';
import type { ManifestEntry } from '../../../src/storage/manifest.js';

const pair: Pair = { source: 'samples', event: 'sourced', topic: 'samples.sourced' };
const entry = { key: 'events/samples/sourced/0/000.avro' } as unknown as ManifestEntry;
const records: readonly BackupRecord[] = [];

/** An observer that writes down every call it gets, as `name: method args`. */
function recording(name: string, calls: string[]): PairWorkerObserver {
  return {
    onBatchDurable: (p, e, r) => void calls.push(`${name}: durable ${p.topic} ${e.key} ${r.length}`),
    onConsumed: (p, count, where) => void calls.push(`${name}: consumed ${p.topic} ${count} ${where.partition}@${where.lastOffset}`),
    onMalformed: (p, where, reason) => void calls.push(`${name}: malformed ${p.topic} ${where.partition}@${where.offset} ${reason}`),
    onCommitted: (p, partition, offset) => void calls.push(`${name}: committed ${p.topic} ${partition}@${offset}`),
  };
}

describe('ObserverList', () => {
  it('passes every call, with its arguments, to the observers it was built with, in order', () => {
    const calls: string[] = [];
    const list = new ObserverList([recording('first', calls), recording('second', calls)], (error) => {
      throw error;
    });

    list.onConsumed(pair, 3, { partition: 1, lastOffset: '41' });
    list.onBatchDurable(pair, entry, records);
    list.onMalformed(pair, { partition: 1, offset: '7' }, 'trailing bytes');
    list.onCommitted(pair, 1, '42');

    expect(calls).toEqual([
      'first: consumed samples.sourced 3 1@41',
      'second: consumed samples.sourced 3 1@41',
      'first: durable samples.sourced events/samples/sourced/0/000.avro 0',
      'second: durable samples.sourced events/samples/sourced/0/000.avro 0',
      'first: malformed samples.sourced 1@7 trailing bytes',
      'second: malformed samples.sourced 1@7 trailing bytes',
      'first: committed samples.sourced 1@42',
      'second: committed samples.sourced 1@42',
    ]);
  });

  it('goes on to the next observer when one throws, and hands the thrown error to onError', () => {
    const calls: string[] = [];
    const errors: unknown[] = [];
    const failure = new Error('validation queue full');
    const throwing: PairWorkerObserver = {
      onBatchDurable: () => {
        throw failure;
      },
    };
    const list = new ObserverList([throwing, recording('after', calls)], (error) => errors.push(error));

    expect(() => list.onBatchDurable(pair, entry, records)).not.toThrow();
    expect(calls).toEqual(['after: durable samples.sourced events/samples/sourced/0/000.avro 0']);
    expect(errors).toEqual([failure]);
  });

  it('skips an observer that lacks the method, and keeps its own copy of the observers it was given', () => {
    const calls: string[] = [];
    const given: PairWorkerObserver[] = [{ onCommitted: (_p, partition, offset) => void calls.push(`only-commits: ${partition}@${offset}`) }];
    const list = new ObserverList(given, (error) => {
      throw error;
    });
    given.push(recording('pushed-later', calls));

    list.onConsumed(pair, 1, { partition: 0, lastOffset: '0' });
    list.onCommitted(pair, 0, '1');

    expect(calls).toEqual(['only-commits: 0@1']);
  });
});
