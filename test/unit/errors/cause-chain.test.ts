import { describe, expect, it } from 'vitest';
import { causeChain } from '../../../src/errors/cause-chain.js';

describe('causeChain', () => {
  it('follows cause, originalError, retriableError and AggregateError.errors, breadth first, and stops at cycles', () => {
    const deep = new Error('deep');
    const viaRetriable = Object.assign(new Error('via retriableError'), { retriableError: deep });
    const viaOriginal = Object.assign(new Error('via originalError'), { originalError: viaRetriable });
    const sibling = new Error('sibling');
    const aggregate = new AggregateError([viaOriginal, sibling], 'both');
    expect(causeChain(aggregate)).toEqual([aggregate, viaOriginal, sibling, viaRetriable, deep]);
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(causeChain(a)).toEqual([a, b]);
  });

  it('lists an error reached by two paths once, where it is first reached', () => {
    const shared = new Error('shared');
    const left = new Error('left', { cause: shared });
    const outer = Object.assign(new Error('outer', { cause: left }), { originalError: shared });
    expect(causeChain(outer)).toEqual([outer, left, shared]);
  });

  it('takes a thrown non-error as a chain of one, and nothing as an empty chain', () => {
    expect(causeChain('a string')).toEqual(['a string']);
    expect(causeChain(42)).toEqual([42]);
    expect(causeChain(undefined)).toEqual([]);
    expect(causeChain(null)).toEqual([]);
    // An `errors` that is not an array is not a list of causes.
    const odd = Object.assign(new Error('odd'), { errors: 'not an array' });
    expect(causeChain(odd)).toEqual([odd]);
  });

  it('stops after 32 links of a chain with no cycle (a chain that long is a bug, not a cause)', () => {
    let error = new Error('link 0');
    const all = [error];
    for (let i = 1; i < 40; i++) {
      error = new Error(`link ${i}`, { cause: error });
      all.unshift(error);
    }
    const chain = causeChain(error);
    expect(chain).toHaveLength(32);
    expect(chain).toEqual(all.slice(0, 32));
  });
});
