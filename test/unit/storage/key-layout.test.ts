import { describe, expect, it } from 'vitest';
import { KeyLayout, padOffset } from '../../../src/storage/key-layout.js';

const pair = { source: 'samples', event: 'sourced' };

describe('KeyLayout', () => {
  it('builds deterministic keys whose lexical order is offset order and that carry the UTC day', () => {
    const layout = new KeyLayout('prod');
    const day = Date.UTC(2026, 10, 21, 23, 59, 59);
    expect(layout.eventsObjectKey(pair, 3, '1000', BigInt(day))).toBe(
      'prod/events/samples/sourced/p000003/00000000000000001000-2026-11-21.avro',
    );
    expect(layout.manifestKey(pair, 3, '1000')).toBe('prod/manifests/samples/sourced/p000003/00000000000000001000.json');
    const keys = ['9', '10', '100', '2', '9223372036854775807'].map((o) => layout.manifestKey(pair, 0, o));
    expect([...keys].sort()).toEqual(['2', '9', '10', '100', '9223372036854775807'].map((o) => layout.manifestKey(pair, 0, o)));
  });

  it('keys a retention gap by pair, partition and first missing offset, apart from events and manifests', () => {
    const layout = new KeyLayout('prod');
    expect(layout.retentionGapKey(pair, 3, '1000')).toBe('prod/gaps/samples/sourced/p000003/00000000000000001000.json');
    expect(layout.retentionGapsPrefix()).toBe('prod/gaps/');
    expect(layout.retentionGapsPrefix(pair)).toBe('prod/gaps/samples/sourced/');
    expect(layout.partitionManifestsPrefix(pair, 3)).toBe('prod/manifests/samples/sourced/p000003/');
    expect(() => layout.retentionGapKey({ source: '..', event: 'x' }, 0, '1')).toThrow(/expected a safe source/);
    expect(() => layout.retentionGapKey(pair, 0, '-1')).toThrow(/expected a Kafka offset/);
  });

  it('keeps the prefix as given when it already ends with a slash, and allows none', () => {
    expect(new KeyLayout('a/b/').manifestsPrefix()).toBe('a/b/manifests/');
    expect(new KeyLayout('').streamsPrefix()).toBe('streams/');
  });

  it('content-addresses streams and refuses anything that is not a lowercase sha256', () => {
    const layout = new KeyLayout('');
    const sha = 'ab'.repeat(32);
    expect(layout.streamKey(sha)).toBe(`streams/ab/${sha}`);
    for (const hostile of ['../../etc/passwd', 'a'.repeat(63), `${'a'.repeat(63)}\u0000`, 'AB'.repeat(32), `${'a'.repeat(64)}/x`]) {
      expect(() => layout.streamKey(hostile)).toThrow(/expected a sha256/);
    }
  });

  it('gives a timestamp outside the yyyy-mm-dd range the fallback day instead of throwing', () => {
    const layout = new KeyLayout('');
    const key = (ts: bigint) => layout.eventsObjectKey(pair, 0, '7', ts);
    expect(key(1_700_000_000_000_000_000n)).toBe('events/samples/sourced/p000000/00000000000000000007-0000-00-00.avro'); // nanoseconds
    expect(key(2n ** 63n - 1n)).toMatch(/-0000-00-00\.avro$/);
    expect(key(-(2n ** 63n))).toMatch(/-0000-00-00\.avro$/);
    expect(key(8_640_000_000_000_000n)).toMatch(/-0000-00-00\.avro$/); // inside Date's range, but year +275760
    expect(key(-1n)).toMatch(/-1969-12-31\.avro$/);
    expect(key(BigInt(Date.parse('9999-12-31T23:59:59.999Z')))).toMatch(/-9999-12-31\.avro$/);
    expect(key(BigInt(Date.parse('0000-01-01T00:00:00.000Z')))).toMatch(/-0000-01-01\.avro$/);
  });

  it('refuses names and offsets that could escape their folder', () => {
    const layout = new KeyLayout('');
    expect(() => layout.manifestKey({ source: '..', event: 'x' }, 0, '1')).toThrow(/safe source or event name/);
    expect(() => layout.manifestKey({ source: 'a/b', event: 'x' }, 0, '1')).toThrow(/safe source or event name/);
    expect(() => layout.manifestKey(pair, -1, '1')).toThrow(/partition/);
    expect(() => padOffset('1/../2')).toThrow(/Kafka offset/);
  });
});
