import { describe, expect, it } from 'vitest';
import { probeConditionalWrites, resolveConditionalWrites } from '../../../src/storage/conditional-writes.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import type { PutOptions } from '../../../src/storage/object-store.js';
import { capturedLogger } from '../../helpers/captured-logger.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

const layout = new KeyLayout('vault/');

/** A store like s3rver: it ignores If-None-Match and If-Match and overwrites. */
class IgnoringStore extends MemoryObjectStore {
  override put(key: string, body: Buffer, options: PutOptions = {}): Promise<void> {
    return super.put(key, body, { ...options, condition: undefined });
  }
}

/** Enforces If-None-Match but ignores If-Match. */
class HalfStore extends MemoryObjectStore {
  override put(key: string, body: Buffer, options: PutOptions = {}): Promise<void> {
    return super.put(key, body, options.condition?.kind === 'matches' ? { ...options, condition: undefined } : options);
  }
}

describe('probeConditionalWrites', () => {
  it('finds a store that refuses both conditions enforcing, and leaves no probe object behind', async () => {
    const store = new MemoryObjectStore();
    expect(await probeConditionalWrites(store, layout)).toEqual({ enforced: true });
    expect([...store.objects.keys()]).toEqual([]);
    const probeKeys = new Set(store.calls.map((c) => c.key));
    expect(probeKeys.size).toBe(1);
    expect([...probeKeys][0]).toMatch(/^vault\/health\/conditional-write-probe-/);
  });

  it('says which condition the store ignored', async () => {
    expect(await probeConditionalWrites(new IgnoringStore(), layout)).toEqual({
      enforced: false,
      reason: 'a second PutObject with If-None-Match: * overwrote the key instead of answering 412',
    });
    expect(await probeConditionalWrites(new HalfStore(), layout)).toEqual({
      enforced: false,
      reason: 'a PutObject with a stale If-Match overwrote the key instead of answering 412',
    });
  });

  it('reports a store that refuses the headers outright (501) as not enforcing, with its answer', async () => {
    const store = new MemoryObjectStore();
    store.failNext = (op) => (op === 'put' ? new Error('NotImplemented: A header you provided implies functionality that is not implemented') : undefined);
    const probe = await probeConditionalWrites(store, layout);
    expect(probe).toEqual({ enforced: false, reason: 'a conditional PutObject failed: NotImplemented: A header you provided implies functionality that is not implemented' });
  });
});

describe('resolveConditionalWrites', () => {
  it('off: does not probe', async () => {
    const store = new MemoryObjectStore();
    const { logger } = capturedLogger('info');
    expect(await resolveConditionalWrites('off', store, layout, logger)).toEqual({ kind: 'resolved', enabled: false });
    expect(store.calls).toEqual([]);
  });

  it('auto: uses them where enforced, and warns where not', async () => {
    const good = capturedLogger('info');
    expect(await resolveConditionalWrites('auto', new MemoryObjectStore(), layout, good.logger)).toEqual({ kind: 'resolved', enabled: true });
    expect(good.lines.map((l) => l.level)).toEqual(['info']);
    const bad = capturedLogger('info');
    expect(await resolveConditionalWrites('auto', new IgnoringStore(), layout, bad.logger)).toEqual({ kind: 'resolved', enabled: false });
    expect(bad.lines).toMatchObject([{ level: 'warn', bucket: 'memory', reason: expect.stringContaining('If-None-Match') }]);
  });

  it('on: refuses to start on a store that does not enforce them, saying what to do', async () => {
    const { logger } = capturedLogger('info');
    expect(await resolveConditionalWrites('on', new IgnoringStore(), layout, logger)).toEqual({
      kind: 'refused',
      message:
        'STREAMVAULT_S3_CONDITIONAL_WRITES is on, but bucket memory does not enforce conditional writes: a second PutObject with If-None-Match: * overwrote the key instead of answering 412; use a store that does, or set it to auto or off',
    });
    expect(await resolveConditionalWrites('on', new MemoryObjectStore(), layout, logger)).toEqual({ kind: 'resolved', enabled: true });
  });
});
