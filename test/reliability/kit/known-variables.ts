import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../../dist/src/cli.js', import.meta.url));
let known: Set<string> | undefined;

/** STREAMVAULT_ variables the built CLI documents (its --help), read once. */
export function knownVariables(): Set<string> {
  known ??= new Set(execFileSync(process.execPath, [CLI, 'backup', '--help'], { encoding: 'utf8' }).match(/STREAMVAULT_[A-Z0-9_]+/g) ?? []);
  return known;
}

/**
 * The entries of `wanted` the built CLI knows. The CLI refuses unknown STREAMVAULT_ variables, and
 * some settings a scenario wants (retry schedules, timeouts) arrive with fixes on other branches:
 * the scenario asks for them when they exist and runs on the defaults otherwise.
 */
export function ifKnown(wanted: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(wanted).filter(([name]) => knownVariables().has(name)));
}
