import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');
const DEVELOPERS = readFileSync(join(ROOT, 'DEVELOPERS.md'), 'utf8');

/** The first code block under `## Layout` in DEVELOPERS.md. */
function layoutBlock(markdown: string): string | undefined {
  const match = /^## Layout\n+```[^\n]*\n([^]*?)\n```/m.exec(markdown);
  return match?.[1];
}

interface LayoutNames {
  /** `src/...` paths as written (folders end with `/`). */
  readonly paths: Set<string>;
  /** Every name resolved to a repository path, with the line it is on. */
  readonly resolved: Array<{ path: string; line: string }>;
}

/**
 * A line starting with `src/...` sets the folder the lines below it are about (a file's folder for
 * `src/cli.ts`); a bare `name.ts` or `folder/name.ts` on it or below names a file of that folder.
 */
function layoutNames(block: string): LayoutNames {
  const paths = new Set<string>();
  const resolved: Array<{ path: string; line: string }> = [];
  let folder = 'src/';
  for (const line of block.split('\n')) {
    const head = /^(src\/[\w./-]*)/.exec(line)?.[1];
    if (head) folder = head.endsWith('/') ? head : `${posix.dirname(head)}/`;
    for (const [token] of line.matchAll(/(?<![\w./-])src\/[\w./-]*[\w/]/g)) {
      paths.add(token);
      resolved.push({ path: token, line });
    }
    for (const [token] of line.matchAll(/(?<![\w./*-])(?!src\/)[\w-]+(?:\/[\w-]+)*\.ts\b/g)) {
      resolved.push({ path: posix.join(folder, token), line });
    }
  }
  return { paths, resolved };
}

/** Every file below `relative` (a folder ending with `/`), as repository paths. */
function filesUnder(relative: string): string[] {
  return readdirSync(join(ROOT, relative), { withFileTypes: true }).flatMap((entry) => {
    const path = `${relative}${entry.name}`;
    return entry.isDirectory() ? filesUnder(`${path}/`) : [path];
  });
}

/**
 * Every `src/...` path DEVELOPERS.md names anywhere, outside the Layout too (a path with a
 * `{placeholder}` or `<placeholder>` is left out; one with `*` is a pattern).
 */
function srcPathsNamed(markdown: string): string[] {
  const found = [...markdown.matchAll(/(?<![\w./-])src\/[\w./*-]*[\w/*]/g)].map(([token]) => token);
  return [...new Set(found)].filter((path) => !/[{}<>]/.test(path));
}

/** Whether `path` exists, or for a pattern with `*`, whether a file of src/ matches it. */
function pathExists(path: string, srcFiles: readonly string[]): boolean {
  if (!path.includes('*')) return existsSync(join(ROOT, path));
  const pattern = new RegExp(`^${path.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
  return srcFiles.some((file) => pattern.test(file));
}

function foldersUnder(relative: string): string[] {
  return readdirSync(join(ROOT, relative), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const path = `${relative}${entry.name}/`;
      return [path, ...foldersUnder(path)];
    });
}

describe("DEVELOPERS.md's Layout section", () => {
  const block = layoutBlock(DEVELOPERS);
  const names = layoutNames(block ?? '');

  it('is a code block under "## Layout"', () => {
    expect(block, 'DEVELOPERS.md lacks a code block under "## Layout"').toBeDefined();
  });

  it('names every folder of src/, as `src/<folder>/`', () => {
    const missing = foldersUnder('src/').filter((folder) => !names.paths.has(folder));
    expect(missing, 'folders of src/ the layout does not list').toEqual([]);
  });

  it('names every file directly in src/', () => {
    const files = readdirSync(join(ROOT, 'src')).filter((name) => statSync(join(ROOT, 'src', name)).isFile());
    const missing = files.map((name) => `src/${name}`).filter((path) => !names.paths.has(path));
    expect(missing, 'files of src/ the layout does not list').toEqual([]);
  });

  it('names every file of src/, by its path or as a bare name under its folder', () => {
    const named = new Set(names.resolved.map(({ path }) => path));
    const missing = filesUnder('src/').filter((path) => !named.has(path));
    expect(missing, 'files of src/ the layout does not name').toEqual([]);
  });

  it('names only files and folders that exist (a bare name.ts is a file of the folder its line is under)', () => {
    expect(names.resolved.length).toBeGreaterThan(20);
    const absent = names.resolved.filter(({ path }) => !existsSync(join(ROOT, path)) || (path.endsWith('/') && !statSync(join(ROOT, path)).isDirectory()));
    expect(
      absent.map(({ path, line }) => `${path} (line: ${line.trim()})`),
      'named in the layout, absent from the repository',
    ).toEqual([]);
  });
});

describe('DEVELOPERS.md as a whole', () => {
  it('names only src/ paths that exist (a pattern with * matches a file)', () => {
    const srcFiles = filesUnder('src/');
    const named = srcPathsNamed(DEVELOPERS);
    expect(named.length).toBeGreaterThan(40);
    expect(named.filter((path) => !pathExists(path, srcFiles)), 'src/ paths DEVELOPERS.md names that do not exist').toEqual([]);
  });
});
