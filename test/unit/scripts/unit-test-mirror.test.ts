import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { hasLogic, readMirrorBaseline, unitTestGaps } from '../../../scripts/unit-test-mirror.js';
import { projectRoot } from '../../../scripts/local/project-root.js';

const root = projectRoot(fileURLToPath(import.meta.url));

describe('test/unit mirrors src/ (issue 11)', () => {
  it('no src file with logic lacks its unit test beyond the baseline, and every baseline entry is still a gap', () => {
    const current = unitTestGaps(root);
    const baseline = readMirrorBaseline(root);
    // A new file with logic: write test/unit/<same path>.test.ts for it.
    expect(current.filter((f) => !baseline.includes(f)), 'src files with logic and no test/unit/<same path>.test.ts').toEqual([]);
    // A gap closed (or a file moved): delete it from scripts/unit-test-mirror-baseline.json.
    expect(baseline.filter((f) => !current.includes(f)), 'stale entries in scripts/unit-test-mirror-baseline.json').toEqual([]);
  });

  describe('on a tree of its own', () => {
    let dir: string | undefined;
    afterEach(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });
    const tree = (files: Record<string, string>) => {
      dir = mkdtempSync(join(tmpdir(), 'mirror-'));
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      return dir;
    };

    it('lists a file with logic and no mirrored test; not one with its test, a type-only file or a re-export index', () => {
      const at = tree({
        'src/config/parse.ts': 'export function parse(s: string): number {\n  return Number(s);\n}\n',
        'src/config/tested.ts': 'export const twice = (n: number) => n * 2;\n',
        'test/unit/config/tested.test.ts': '',
        'src/config/types.ts': "import type { X } from './x.js';\n// a comment with const in it\nexport interface Shape {\n  readonly x: X;\n  run(): void;\n}\nexport type Kind = 'a' | 'b';\n",
        'src/config/index.ts': "export { parse } from './parse.js';\nexport type { Shape } from './types.js';\n",
        'test/unit/config/parse-other.test.ts': '',
      });
      expect(unitTestGaps(at)).toEqual(['src/config/parse.ts']);
    });

    it('counts a class or a const as logic, and types, comments and imports as none', () => {
      expect(hasLogic('export class E extends Error {}\n')).toBe(true);
      expect(hasLogic("import { a } from './a.js';\nexport const b = a + 1;\n")).toBe(true);
      expect(hasLogic("/** let function const */\nexport type T = { f: () => void };\n")).toBe(false);
      expect(hasLogic('')).toBe(false);
    });
  });
});
