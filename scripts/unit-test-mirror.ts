import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Issue 11: `test/unit` mirrors `src/` file for file where a file has logic. A source file has
 * logic unless it only declares types and interfaces or re-exports (an index). Its unit test is
 * `test/unit/<same path>.test.ts`; `scripts/unit-test-mirror-baseline.json` lists the files that
 * have none yet, and the test fails on a new gap and on a baseline entry that is no longer one.
 */
export function hasLogic(text: string): boolean {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const statements = code
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  // Only imports, re-exports and type declarations (with their bodies): no logic.
  const withoutTypes = code
    .replace(/^\s*(export\s+)?(declare\s+)?interface\s+\w+[^{]*\{[\s\S]*?^\}/gm, '')
    .replace(/^\s*(export\s+)?type\s+[\s\S]*?;\s*$/gm, '')
    .replace(/^\s*(import|export)\s[^;]*\bfrom\s+['"][^'"]+['"];?\s*$/gm, '')
    .replace(/^\s*import\s+['"][^'"]+['"];?\s*$/gm, '');
  return statements.length > 0 && /\b(function|class|const|let|var)\b|\bexport\s+default\b/.test(withoutTypes);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** src files with logic and no `test/unit/<same path>.test.ts`, as `src/...` paths, sorted. */
export function unitTestGaps(root: string): string[] {
  return sourceFiles(join(root, 'src'))
    .filter((path) => hasLogic(readFileSync(path, 'utf8')))
    .map((path) => relative(root, path).split('\\').join('/'))
    .filter((rel) => !existsSync(join(root, 'test', 'unit', rel.replace(/^src\//, '').replace(/\.ts$/, '.test.ts'))))
    .sort();
}

export function readMirrorBaseline(root: string): string[] {
  return JSON.parse(readFileSync(join(root, 'scripts', 'unit-test-mirror-baseline.json'), 'utf8')) as string[];
}
