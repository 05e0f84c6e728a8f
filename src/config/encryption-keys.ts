import type { ConfigFileReader } from './kafka-security.js';
import { ENV_PREFIX } from './variable.js';

/** One AES-256 key and the id recorded on every object it seals. */
export interface EncryptionKey {
  readonly id: string;
  readonly key: Buffer;
}

/**
 * The keys of client-side encryption (STREAMVAULT_ENCRYPTION_*): `current` seals new objects
 * (absent: encryption is off), `byId` opens them (current and old keys, for rotation).
 */
export interface EncryptionKeys {
  readonly current: EncryptionKey | undefined;
  readonly byId: ReadonlyMap<string, Buffer>;
}

export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

interface Problem {
  readonly variable: string;
  readonly expected: string;
  readonly received: string;
}

type Values = Readonly<Record<string, unknown>>;

/** 32 bytes from 64 hex digits or base64 (44 characters with padding); `undefined` otherwise. */
export function parseKeyMaterial(text: string): Buffer | undefined {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(value)) {
    const bytes = Buffer.from(value, 'base64');
    if (bytes.length === 32) return bytes;
  }
  return undefined;
}

const KEY_EXPECTED = 'expected a 32-byte key: 64 hex digits or 44 base64 characters (e.g. `openssl rand -hex 32`)';

/**
 * Reads the key (variable or file) and the old keys file once. A problem never shows a key: only
 * variable names, file paths, line numbers and key ids.
 */
export function resolveEncryptionKeys(values: Values, readFile: ConfigFileReader): { keys: EncryptionKeys; problems: Problem[] } {
  const name = (part: string) => `${ENV_PREFIX}ENCRYPTION_${part}`;
  const problems: Problem[] = [];
  const inline = String(values.ENCRYPTION_KEY ?? '');
  const keyFile = String(values.ENCRYPTION_KEY_FILE ?? '');
  const keyId = String(values.ENCRYPTION_KEY_ID ?? '');
  const oldKeysFile = String(values.ENCRYPTION_OLD_KEYS_FILE ?? '');
  const byId = new Map<string, Buffer>();

  let material: string | undefined;
  if (inline !== '' && keyFile !== '') {
    problems.push({ variable: `${name('KEY')} / ${name('KEY_FILE')}`, expected: 'expected one of them, not both', received: 'both set' });
  } else if (inline !== '') {
    material = inline;
  } else if (keyFile !== '') {
    material = readOrProblem(readFile, name('KEY_FILE'), keyFile, problems);
  }
  let current: EncryptionKey | undefined;
  if (material !== undefined) {
    const key = parseKeyMaterial(material);
    if (!key) problems.push({ variable: inline !== '' ? name('KEY') : name('KEY_FILE'), expected: KEY_EXPECTED, received: '(secret)' });
    if (keyId === '') {
      problems.push({ variable: name('KEY_ID'), expected: `expected the id recorded on every object the key seals (letters, digits, ".", "_" or "-") when ${name('KEY')} or ${name('KEY_FILE')} is set`, received: '(unset)' });
    }
    if (key && keyId !== '') {
      current = { id: keyId, key };
      byId.set(keyId, key);
    }
  } else if (keyId !== '' && inline === '' && keyFile === '') {
    problems.push({ variable: name('KEY_ID'), expected: `expected ${name('KEY')} or ${name('KEY_FILE')} set too`, received: JSON.stringify(keyId) });
  }

  if (oldKeysFile !== '') {
    const content = readOrProblem(readFile, name('OLD_KEYS_FILE'), oldKeysFile, problems);
    if (content !== undefined) {
      content.split(/\r?\n/).forEach((raw, index) => {
        const line = raw.trim();
        if (line === '' || line.startsWith('#')) return;
        const where = `${name('OLD_KEYS_FILE')} ${oldKeysFile} line ${index + 1}`;
        const eq = line.indexOf('=');
        const id = eq < 0 ? '' : line.slice(0, eq).trim();
        if (!KEY_ID_PATTERN.test(id)) {
          problems.push({ variable: where, expected: 'expected `<key id>=<key>` (id: letters, digits, ".", "_" or "-")', received: '(secret)' });
          return;
        }
        const key = parseKeyMaterial(line.slice(eq + 1));
        if (!key) {
          problems.push({ variable: where, expected: `${KEY_EXPECTED} for key id ${id}`, received: '(secret)' });
        } else if (byId.has(id) && !byId.get(id)!.equals(key)) {
          problems.push({ variable: where, expected: `expected key id ${id} once, with one key`, received: 'a second, different key' });
        } else {
          byId.set(id, key);
        }
      });
    }
  }
  return { keys: { current, byId }, problems };
}

function readOrProblem(readFile: ConfigFileReader, variable: string, path: string, problems: Problem[]): string | undefined {
  try {
    return readFile(path);
  } catch (error) {
    problems.push({ variable, expected: 'expected a readable file', received: `${path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})` });
    return undefined;
  }
}
