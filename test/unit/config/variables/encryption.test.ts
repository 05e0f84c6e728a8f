import { describe, expect, it } from 'vitest';
import { describeVariables } from '../../../../src/config/describe-variables.js';
import { configOf, problemOf } from '../../../helpers/config-variables.js';

const HEX = 'a1'.repeat(32);

describe('encryption variables', () => {
  it('are all empty by default: nothing is encrypted', () => {
    const c = configOf();
    expect([c.ENCRYPTION_KEY, c.ENCRYPTION_KEY_FILE, c.ENCRYPTION_KEY_ID, c.ENCRYPTION_OLD_KEYS_FILE]).toEqual(['', '', '', '']);
  });

  it('take a key id of 1 to 64 letters, digits, ".", "_" or "-"', () => {
    for (const id of ['k2026', 'prod.key-2_b', 'x'.repeat(64)]) expect(configOf({ ENCRYPTION_KEY: HEX, ENCRYPTION_KEY_ID: id }).ENCRYPTION_KEY_ID, id).toBe(id);
  });

  it('refuse a key id that is too long or has other characters, saying what an id may hold', () => {
    for (const id of ['x'.repeat(65), 'has space', 'a/b', 'é']) {
      expect(problemOf('ENCRYPTION_KEY_ID', id, { ENCRYPTION_KEY: HEX }), id).toEqual({
        variable: 'STREAMVAULT_ENCRYPTION_KEY_ID',
        expected: 'expected 1-64 letters, digits, ".", "_" or "-"',
        received: JSON.stringify(id),
      });
    }
  });

  it('marks the key variable secret in the reference, and only the key (file names are not secrets)', () => {
    const secret = describeVariables().filter((v) => v.name.startsWith('STREAMVAULT_ENCRYPTION_') && v.secret).map((v) => v.name);
    expect(secret).toEqual(['STREAMVAULT_ENCRYPTION_KEY']);
  });
});
