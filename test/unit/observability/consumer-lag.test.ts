import { describe, expect, it } from 'vitest';
import { fetchPairOffsets, type OffsetsAdmin } from '../../../src/observability/consumer-lag.js';

const pair = { source: 'samples', event: 'sourced', topic: 't' };

/** A kafkajs-shaped protocol error: kafkajs marks NOT_COORDINATOR and its kin retriable. */
function notCoordinator(): Error {
  return Object.assign(new Error('This is not the correct coordinator for this group'), { type: 'NOT_COORDINATOR', retriable: true });
}

describe('fetchPairOffsets', () => {
  it('asks again when the group coordinator answers with a retriable error (a new cluster\'s first group)', async () => {
    let offsetFetches = 0;
    const admin: OffsetsAdmin = {
      fetchTopicOffsets: async () => [{ partition: 0, offset: '10', high: '10', low: '2' }],
      fetchOffsets: async () => {
        if (offsetFetches++ === 0) throw notCoordinator();
        return [{ topic: 't', partitions: [{ partition: 0, offset: '4', metadata: null }] }];
      },
    };
    const offsets = await fetchPairOffsets(admin, pair, ['g'], true);
    expect(offsets.partitions).toEqual([{ partition: 0, low: '2', end: '10', committed: '4', lag: 6 }]);
    expect(offsetFetches).toBe(2);
  });

  it('does not retry an error that is not retriable', async () => {
    let offsetFetches = 0;
    const admin: OffsetsAdmin = {
      fetchTopicOffsets: async () => [{ partition: 0, offset: '10', high: '10', low: '2' }],
      fetchOffsets: async () => {
        offsetFetches++;
        throw Object.assign(new Error('Not authorized to access group'), { retriable: false });
      },
    };
    await expect(fetchPairOffsets(admin, pair, ['g'], true)).rejects.toThrow('Not authorized');
    expect(offsetFetches).toBe(1);
  });
});
