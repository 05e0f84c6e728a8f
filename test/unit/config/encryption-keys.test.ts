import { describe, expect, it } from 'vitest';
import { parseKeyMaterial, resolveEncryptionKeys } from '../../../src/config/encryption-keys.js';
import { formatProblems, loadConfig } from '../../../src/config/load-config.js';

const base = { STREAMVAULT_S3_BUCKET: 'backup-bucket' };
const HEX = 'a1'.repeat(32);
const B64 = Buffer.alloc(32, 7).toString('base64');
const OLD_HEX = '0f'.repeat(32);

function files(contents: Record<string, string>) {
  return (path: string): string => {
    const content = contents[path];
    if (content === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
    return content;
  };
}
const read = files({
  '/run/secrets/key': `${B64}\n`,
  '/run/secrets/old-keys': `# rotated 2026-01\nk2025=${OLD_HEX}\n\nk2024 = ${B64}\n`,
  '/run/secrets/bad-old-keys': `k2025=${OLD_HEX.slice(2)}\nnot a line\n`,
});

describe('client-side encryption settings', () => {
  it('is off by default: no key seals, none opens', () => {
    const result = loadConfig(base, {}, { readTextFile: read });
    expect(result.ok && result.config.encryptionKeys.current).toBeUndefined();
    expect(result.ok && result.config.encryptionKeys.byId.size).toBe(0);
  });

  it('takes the key as hex from the variable or as base64 from a file, and old keys by id', () => {
    const inline = loadConfig({ ...base, STREAMVAULT_ENCRYPTION_KEY: HEX, STREAMVAULT_ENCRYPTION_KEY_ID: 'k2026' }, {}, { readTextFile: read });
    expect(inline.ok && inline.config.encryptionKeys.current).toEqual({ id: 'k2026', key: Buffer.from(HEX, 'hex') });
    const fromFile = loadConfig(
      { ...base, STREAMVAULT_ENCRYPTION_KEY_FILE: '/run/secrets/key', STREAMVAULT_ENCRYPTION_KEY_ID: 'k2026', STREAMVAULT_ENCRYPTION_OLD_KEYS_FILE: '/run/secrets/old-keys' },
      {},
      { readTextFile: read },
    );
    expect(fromFile.ok, JSON.stringify(!fromFile.ok && fromFile.problems)).toBe(true);
    if (!fromFile.ok) return;
    expect(fromFile.config.encryptionKeys.current).toEqual({ id: 'k2026', key: Buffer.alloc(32, 7) });
    expect([...fromFile.config.encryptionKeys.byId.keys()].sort()).toEqual(['k2024', 'k2025', 'k2026']);
    expect(fromFile.config.encryptionKeys.byId.get('k2025')).toEqual(Buffer.from(OLD_HEX, 'hex'));
  });

  it('reports a bad key length, a missing key id, both sources, bad old-key lines: every one, and never a key', () => {
    const short = loadConfig({ ...base, STREAMVAULT_ENCRYPTION_KEY: HEX.slice(0, 62) }, {}, { readTextFile: read });
    expect(short.ok).toBe(false);
    if (short.ok) return;
    const text = formatProblems(short.problems);
    expect(text).toContain('STREAMVAULT_ENCRYPTION_KEY: expected a 32-byte key: 64 hex digits or 44 base64 characters');
    expect(text).toContain('STREAMVAULT_ENCRYPTION_KEY_ID: expected the id recorded on every object the key seals');
    expect(text).not.toContain(HEX.slice(0, 62));

    const both = loadConfig(
      { ...base, STREAMVAULT_ENCRYPTION_KEY: HEX, STREAMVAULT_ENCRYPTION_KEY_FILE: '/run/secrets/key', STREAMVAULT_ENCRYPTION_KEY_ID: 'k', STREAMVAULT_ENCRYPTION_OLD_KEYS_FILE: '/run/secrets/bad-old-keys' },
      {},
      { readTextFile: read },
    );
    expect(both.ok).toBe(false);
    if (both.ok) return;
    const bothText = formatProblems(both.problems);
    expect(bothText).toContain('STREAMVAULT_ENCRYPTION_KEY / STREAMVAULT_ENCRYPTION_KEY_FILE: expected one of them, not both');
    expect(bothText).toContain('/run/secrets/bad-old-keys line 1');
    expect(bothText).toContain('for key id k2025');
    expect(bothText).toContain('/run/secrets/bad-old-keys line 2');
    for (const secret of [HEX, OLD_HEX.slice(2), B64]) expect(bothText).not.toContain(secret);

    const idOnly = loadConfig({ ...base, STREAMVAULT_ENCRYPTION_KEY_ID: 'k2026' }, {}, { readTextFile: read });
    expect(!idOnly.ok && formatProblems(idOnly.problems)).toContain('STREAMVAULT_ENCRYPTION_KEY_ID: expected STREAMVAULT_ENCRYPTION_KEY or STREAMVAULT_ENCRYPTION_KEY_FILE set too');
    const badId = loadConfig({ ...base, STREAMVAULT_ENCRYPTION_KEY: HEX, STREAMVAULT_ENCRYPTION_KEY_ID: 'has space' }, {}, { readTextFile: read });
    expect(!badId.ok && formatProblems(badId.problems)).toContain('STREAMVAULT_ENCRYPTION_KEY_ID: expected 1-64 letters');
    const missingFile = loadConfig({ ...base, STREAMVAULT_ENCRYPTION_KEY_FILE: '/nope', STREAMVAULT_ENCRYPTION_KEY_ID: 'k' }, {}, { readTextFile: read });
    expect(!missingFile.ok && formatProblems(missingFile.problems)).toContain('STREAMVAULT_ENCRYPTION_KEY_FILE: expected a readable file');
  });
});

describe('parseKeyMaterial', () => {
  it('takes 64 hex digits in either case, or 32 bytes of base64 with or without its padding, trimmed', () => {
    expect(parseKeyMaterial(HEX.toUpperCase())).toEqual(Buffer.from(HEX, 'hex'));
    expect(parseKeyMaterial(`  ${B64}\n`)).toEqual(Buffer.alloc(32, 7));
    expect(parseKeyMaterial(B64.replace(/=$/, ''))).toEqual(Buffer.alloc(32, 7));
  });

  it('refuses another length, base64url and other text', () => {
    for (const text of [HEX.slice(2), `${HEX}00`, Buffer.alloc(31, 7).toString('base64'), Buffer.alloc(33, 7).toString('base64'), Buffer.alloc(32, 0xfb).toString('base64url'), '', 'not a key']) {
      expect(parseKeyMaterial(text), text).toBeUndefined();
    }
  });
});

describe('resolveEncryptionKeys', () => {
  const oldKeys = (content: string) => () => content;

  it('takes an old key under the current id only when it is the same key, and reads CRLF lines', () => {
    const same = resolveEncryptionKeys({ ENCRYPTION_KEY: HEX, ENCRYPTION_KEY_ID: 'k', ENCRYPTION_OLD_KEYS_FILE: '/old' }, oldKeys(`k=${HEX}\r\nk0=${OLD_HEX}\r\n`));
    expect(same.problems).toEqual([]);
    expect([...same.keys.byId.entries()]).toEqual([['k', Buffer.from(HEX, 'hex')], ['k0', Buffer.from(OLD_HEX, 'hex')]]);
    const other = resolveEncryptionKeys({ ENCRYPTION_KEY: HEX, ENCRYPTION_KEY_ID: 'k', ENCRYPTION_OLD_KEYS_FILE: '/old' }, oldKeys(`# old\nk=${OLD_HEX}\n`));
    expect(other.problems).toEqual([{ variable: 'STREAMVAULT_ENCRYPTION_OLD_KEYS_FILE /old line 2', expected: 'expected key id k once, with one key', received: 'a second, different key' }]);
    expect(other.keys.byId.get('k')).toEqual(Buffer.from(HEX, 'hex'));
  });

  it('opens with old keys alone, sealing nothing, when no current key is set', () => {
    const { keys, problems } = resolveEncryptionKeys({ ENCRYPTION_OLD_KEYS_FILE: '/old' }, oldKeys(`k0=${OLD_HEX}`));
    expect(problems).toEqual([]);
    expect(keys.current).toBeUndefined();
    expect([...keys.byId.keys()]).toEqual(['k0']);
  });
});
