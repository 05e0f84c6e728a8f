import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The directory holding package.json, found upwards from `fromFile`. Code here runs both from its
 * TypeScript source (vitest) and from dist/ (the demo), at different depths; this finds files that
 * tsc does not copy (testdata/, the s3rver child script) from either place.
 */
export function projectRoot(fromFile: string): string {
  let dir = dirname(fromFile);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Expected a package.json above ${fromFile}, found none`);
    dir = parent;
  }
}
