import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';

// The built entry point (npm test builds first), as an operator's shell runs it.
const CLI = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));

function shell(script: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('bash', ['-c', `set -o pipefail; ${script}`], { encoding: 'utf8', env: { ...process.env, CLI } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the streamvault entry point', () => {
  it('stops quietly with 0 when its reader goes away (--help | head)', () => {
    // `true` closes the pipe before the CLI has started, so every write meets EPIPE.
    const gone = shell('node "$CLI" --help | true');
    expect(gone.stderr).toBe('');
    expect(gone.status).toBe(ExitCode.ok);
    const head = shell('node "$CLI" --help | head -1');
    expect(head.stdout).toBe('Usage: streamvault [options] [command]\n');
    expect(head.stderr).toBe('');
    expect(head.status).toBe(ExitCode.ok);
  });

  it('names an unknown command and exits 2, even with --help after it', () => {
    const result = shell('node "$CLI" rehearse --help');
    expect(result.status).toBe(ExitCode.badConfiguration);
    expect(result.stderr).toContain("unknown command 'rehearse'");
    expect(result.stdout).toBe('');
  });
});
