import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkStateDir } from '../../../src/filecache/state-dir.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

describe('checkStateDir', () => {
  it('creates a missing directory, proves it writable and leaves no probe behind', async () => {
    const dir = join(makeTempDir('state-'), 'a', 'b');
    const result = await checkStateDir(dir);
    expect(result).toEqual({ ok: true, path: dir });
    expect(existsSync(dir)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('gives the absolute path of a relative one', async () => {
    const dir = makeTempDir('state-');
    const result = await checkStateDir(relative(process.cwd(), dir));
    expect(result).toEqual({ ok: true, path: dir });
  });

  it('refuses a path that is a file, naming the directory, the variable and the error code', async () => {
    const file = join(makeTempDir('state-'), 'not-a-dir');
    writeFileSync(file, 'x');
    expect(await checkStateDir(file)).toEqual({ ok: false, message: `state directory ${file} (STREAMVAULT_STATE_DIR) is not usable: expected a writable directory, got EEXIST` });
    expect(await checkStateDir(join(file, 'below'))).toEqual({ ok: false, message: `state directory ${join(file, 'below')} (STREAMVAULT_STATE_DIR) is not usable: expected a writable directory, got ENOTDIR` });
  });
});
