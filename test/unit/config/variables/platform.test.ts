import { describe, expect, it } from 'vitest';
import { configOf, problemOf } from '../../../helpers/config-variables.js';

describe('platform variables', () => {
  it('default to no platform and no prefix', () => {
    const c = configOf();
    expect([c.PLATFORM, c.PLATFORM_PREFIX]).toEqual(['none', '']);
  });

  it('take a known platform in any case, with a prefix of letters, digits, ".", "_" and "-"', () => {
    const c = configOf({ PLATFORM: 'AZUL', PLATFORM_PREFIX: 'prod.eu-1_a' });
    expect([c.PLATFORM, c.PLATFORM_PREFIX]).toEqual(['azul', 'prod.eu-1_a']);
  });

  it('refuse an unknown platform, listing the known ones, and a prefix that cannot be part of a topic name', () => {
    expect(problemOf('PLATFORM', 'kafka-connect')).toEqual({ variable: 'STREAMVAULT_PLATFORM', expected: 'expected one of none, azul', received: '"kafka-connect"' });
    expect(problemOf('PLATFORM_PREFIX', 'prod/eu')).toEqual({
      variable: 'STREAMVAULT_PLATFORM_PREFIX',
      expected: 'expected letters, digits, ".", "_" or "-" (it becomes part of topic names)',
      received: '"prod/eu"',
    });
  });
});
