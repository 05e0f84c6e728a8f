import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Set by test/global-setup.ts to a directory it deletes when the run ends. */
// Not STREAMVAULT_-prefixed: the CLI rejects unknown STREAMVAULT_ variables, and children inherit this.
export const TEMP_ROOT_ENV = 'SV_TEST_TMPDIR';

/**
 * A fresh directory under the run's temp root. Vitest ends its workers without running exit
 * hooks, so a worker cannot reliably clean up after itself; the global teardown does it instead.
 * Outside vitest (no root set) it falls back to the OS temp dir and the caller cleans up.
 */
export function makeTempDir(prefix = 'tmp-'): string {
  return mkdtempSync(join(process.env[TEMP_ROOT_ENV] ?? tmpdir(), prefix));
}
