import { describe, expect, it } from 'vitest';
import { ProduceRequestTimestamps } from '../../../src/restore/produce-request-timestamps.js';

describe('ProduceRequestTimestamps', () => {
  it('accepts any first record, and ordinary millisecond timestamps side by side', () => {
    const request = new ProduceRequestTimestamps();
    expect(request.accepts(2n ** 62n)).toBe(true);
    for (const t of [1_767_322_800_000n, 1_767_322_800_005n, 1_767_322_799_000n]) {
      expect(request.accepts(t)).toBe(true);
      request.add(t);
    }
  });

  it('refuses a timestamp whose delta from the base would be rounded in floating point', () => {
    const request = new ProduceRequestTimestamps();
    request.add(0n);
    // 2^53 + 1 has no double: kafkajs would write the delta as 2^53.
    expect(request.accepts(2n ** 53n + 1n)).toBe(false);
    expect(request.accepts(2n ** 53n)).toBe(true);
  });

  it('refuses a timestamp that would become the string-sorted base and shift a large neighbour', () => {
    const request = new ProduceRequestTimestamps();
    const large = 2n ** 53n + 2n;
    request.add(large);
    // "-1" sorts before it, so it would be the base, and large - (-1) = 2^53 + 3 has no double.
    expect(request.accepts(-1n)).toBe(false);
    // "2" also sorts first, but large - 2 = 2^53 is exact.
    expect(request.accepts(2n)).toBe(true);
  });

  it('starts over after reset', () => {
    const request = new ProduceRequestTimestamps();
    request.add(0n);
    expect(request.accepts(2n ** 53n + 1n)).toBe(false);
    request.reset();
    expect(request.accepts(2n ** 53n + 1n)).toBe(true);
  });
});
