import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { layerReport, mayImport, readBaseline, unitOf, upwardImports } from '../../../scripts/import-layers.js';
import { projectRoot } from '../../../scripts/local/project-root.js';

const root = projectRoot(fileURLToPath(import.meta.url));

describe('import layers (issue 11: layers read downwards)', () => {
  it('src/ has no upward import beyond the recorded baseline, and every baseline entry still exists', () => {
    const current = upwardImports(root);
    const baseline = readBaseline(root);
    const key = (i: { from: string; to: string }) => `${i.from} -> ${i.to}`;
    const added = current.map(key).filter((k) => !baseline.map(key).includes(k));
    const gone = baseline.map(key).filter((k) => !current.map(key).includes(k));
    // A new upward import: put the shared piece where the lower layer owns it instead.
    expect(added, 'new upward imports (see scripts/import-layers.ts LAYERS)').toEqual([]);
    // One removed: delete it from scripts/import-layers-baseline.json, so it cannot come back.
    expect(gone, 'baseline entries that no longer exist').toEqual([]);
  });

  describe('on a tree of its own', () => {
    let dir: string | undefined;
    afterEach(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });
    const tree = (files: Record<string, string>) => {
      dir = mkdtempSync(join(tmpdir(), 'layers-'));
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      return dir;
    };

    it('finds an upward import, a type-only one and a sideways one, and allows downward and same-folder ones', () => {
      const at = tree({
        'src/config/load.ts': "import type { Worker } from '../backup/worker.js';\nimport { CODE } from '../exit-codes.js';\n",
        'src/storage/store.ts': "import { journal } from '../filecache/journal.js';\nimport { load } from '../config/load.js';\nimport { other } from './other.js';\n",
        'src/backup/worker.ts': "import { store } from '../storage/store.js';\nimport { z } from 'zod';\n",
      });
      expect(upwardImports(at)).toEqual([
        { from: 'src/config/load.ts', to: 'src/backup/worker.ts' },
        { from: 'src/storage/store.ts', to: 'src/filecache/journal.ts' },
      ]);
    });

    it('refuses a folder that has no layer, saying which units exist', () => {
      const at = tree({ 'src/nowhere/run.ts': "import { load } from '../config/load.js';\n" });
      expect(() => upwardImports(at)).toThrow(/src unit 'nowhere' has no layer.*expected one of exit-codes, version, .*config/);
    });
  });

  it('ranks units by folder and top-level file', () => {
    expect(unitOf('backup/pair-worker.ts')).toBe('backup');
    expect(unitOf('cli.ts')).toBe('cli');
    expect(mayImport('commands', 'backup')).toBe(true);
    expect(mayImport('backup', 'commands')).toBe(false);
    expect(mayImport('restore', 'verify')).toBe(false);
    expect(layerReport([{ from: 'src/a/x.ts', to: 'src/b/y.ts' }])).toContain('upward imports: 1\n  src/a/x.ts -> src/b/y.ts');
  });
});
