import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { Spool } from '../../../src/restore/spool.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const sha = 'a'.repeat(64);

describe('Spool', () => {
  it('deletes files of dead processes and stray files at open, keeps a live process\'s, and removes its own at close', async () => {
    const dir = join(makeTempDir('spool-'), 'spool');
    const first = await Spool.open(dir, createLogger('silent'), 100, () => false);
    writeFileSync(first.fileFor(sha), 'left by a killed run'); // pid 100
    writeFileSync(join(dir, `${sha}.200`), 'a concurrent run');
    writeFileSync(join(dir, 'stray'), 'no pid');

    const second = await Spool.open(dir, createLogger('silent'), 300, (pid) => pid === 200);
    expect(readdirSync(dir).sort()).toEqual([`${sha}.200`]);
    writeFileSync(second.fileFor(sha), 'own');
    await second.close();
    expect(readdirSync(dir)).toEqual([`${sha}.200`]);

    const third = await Spool.open(dir, createLogger('silent'), 400, () => false);
    await third.close();
    expect(existsSync(dir)).toBe(false);
  });
});
