import { describe, expect, it } from 'vitest';
import { configOf, expectIntegerRange, expectPositiveNumber, valueOf } from '../../../helpers/config-variables.js';

describe('batching variables', () => {
  it('default to 1000 events, 600 seconds and 16 MiB per partition batch', () => {
    const c = configOf();
    expect([c.BATCH_MAX_EVENTS, c.BATCH_MAX_AGE_SECONDS, c.BATCH_MAX_BYTES]).toEqual([1000, 600, 16 * 1024 * 1024]);
    // Empty is "use the default", as deployment tools render an unset value.
    expect(valueOf('BATCH_MAX_EVENTS', '')).toBe(1000);
  });

  it('take events from 1 to 1000000, any positive age and 1 KiB to 1 GiB, and refuse the rest', () => {
    expectIntegerRange('BATCH_MAX_EVENTS', 1, 1_000_000);
    expectPositiveNumber('BATCH_MAX_AGE_SECONDS');
    expectIntegerRange('BATCH_MAX_BYTES', 1024, 1024 * 1024 * 1024);
  });
});
