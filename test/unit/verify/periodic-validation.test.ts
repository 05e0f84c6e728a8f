import { describe, expect, it } from 'vitest';
import type { ValidationResult } from '../../../src/observability/metrics.js';
import { createLogger } from '../../../src/observability/logger.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { PeriodicValidation } from '../../../src/verify/periodic-validation.js';
import { flipOneBit, writeFixtureBackup } from '../../helpers/backup-fixture.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';

describe('PeriodicValidation', () => {
  it('re-reads a sample of recent batches and reports the damaged one', async () => {
    const store = new MemoryObjectStore();
    const layout = new KeyLayout('');
    const { entries } = await writeFixtureBackup(store, layout);
    const results: ValidationResult[] = [];
    const validation = new PeriodicValidation({
      store,
      layout,
      logger: createLogger('silent'),
      intervalMs: 60_000,
      sampleSize: 100,
      onResult: (r) => results.push(r),
    });
    for (const entry of entries) validation.remember(entry);

    store.calls.length = 0;
    const ok = await validation.run();
    expect(ok.kind).toBe('ok');
    const reread = new Set(store.calls.filter((c) => c.op === 'get').map((c) => c.key));
    for (const entry of entries) expect(reread.has(entry.key)).toBe(true);

    const victim = entries[2]!;
    store.objects.get(victim.key)!.body = flipOneBit(store.objects.get(victim.key)!.body);
    const damaged = await validation.run();
    expect(damaged.kind).toBe('damaged');
    if (damaged.kind === 'damaged') expect(damaged.damaged.map((d) => d.key)).toEqual([victim.key]);
    expect(results.map((r) => r.kind)).toEqual(['ok', 'damaged']);
  });

  it('checks no more objects than the sample size', async () => {
    const store = new MemoryObjectStore();
    const layout = new KeyLayout('');
    const { entries } = await writeFixtureBackup(store, layout);
    const validation = new PeriodicValidation({ store, layout, logger: createLogger('silent'), intervalMs: 60_000, sampleSize: 3, onResult: () => {} });
    for (const entry of entries) validation.remember(entry);
    store.calls.length = 0;
    const result = await validation.run();
    expect(result).toMatchObject({ kind: 'ok', checked: 3 });
    expect(store.calls.filter((c) => c.op === 'get')).toHaveLength(3);
  });
});
