// Rewrites README.md's configuration reference from the variable tables (src/config/variables).
// Usage: npm run docs. test/unit/config/readme-config.test.ts fails when the README is stale.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from './local/project-root.js';
import { withConfigBlock } from './readme-config-block.js';

const readmePath = join(projectRoot(fileURLToPath(import.meta.url)), 'README.md');
const before = await readFile(readmePath, 'utf8');
const after = withConfigBlock(before);
if (after === before) {
  process.stdout.write('README.md configuration reference is up to date\n');
} else {
  await writeFile(readmePath, after);
  process.stdout.write('README.md configuration reference rewritten\n');
}
