import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Each bullet of the README's "## Libraries and why": the names in its bold spans, and its text. */
function libraryBullets(): Array<{ names: string[]; text: string }> {
  const start = README.indexOf('\n## Libraries and why\n');
  const end = README.indexOf('\n## ', start + 1);
  const section = start < 0 ? '' : README.slice(start, end < 0 ? undefined : end);
  return section
    .split(/\n- /)
    .slice(1)
    .map((text) => ({
      text,
      names: [...text.matchAll(/\*\*([^*]+)\*\*/g)].flatMap(([, span]) => span!.split(/ \+ |, /).map((n) => n.trim())),
    }));
}

/** The bullet naming a package; `@types/x` is covered by a bullet naming `@types/...`. */
function bulletOf(name: string): { names: string[]; text: string } | undefined {
  const wanted = name.startsWith('@types/') ? '@types/...' : name;
  return libraryBullets().find((b) => b.names.includes(wanted));
}

describe("README's Libraries and why", () => {
  it('names every runtime dependency of package.json, not marked (dev)', () => {
    for (const name of Object.keys(PACKAGE.dependencies)) {
      const bullet = bulletOf(name);
      expect(bullet, `${name} (package.json dependencies) is not in README's "Libraries and why"`).toBeDefined();
      expect(bullet!.text.includes('(dev)'), `${name} is a runtime dependency but its bullet says (dev)`).toBe(false);
    }
  });

  it('names every dev dependency, marked (dev)', () => {
    for (const name of Object.keys(PACKAGE.devDependencies)) {
      const bullet = bulletOf(name);
      expect(bullet, `${name} (package.json devDependencies) is not in README's "Libraries and why"`).toBeDefined();
      expect(bullet!.text.includes('(dev)'), `${name} is a dev dependency; its bullet should say (dev)`).toBe(true);
    }
  });

  it('names no npm package that package.json lacks (node: modules are the runtime)', () => {
    const known = new Set([...Object.keys(PACKAGE.dependencies), ...Object.keys(PACKAGE.devDependencies), '@types/...']);
    const named = libraryBullets().flatMap((b) => b.names);
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((n) => !n.startsWith('node:') && !known.has(n))).toEqual([]);
  });
});
