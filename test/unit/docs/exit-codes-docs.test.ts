import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/exit-codes.js';
import { runCliCaptured } from '../../helpers/run-cli-captured.js';

const README = readFileSync(join(import.meta.dirname, '../../../README.md'), 'utf8');
const CODES = Object.values(ExitCode).sort((a, b) => a - b);

/** The text of one `## heading` section of a markdown document, up to the next `## `. */
function section(markdown: string, heading: string): string | undefined {
  const lines = markdown.split('\n');
  const start = lines.indexOf(`## ${heading}`);
  if (start < 0) return undefined;
  const end = lines.findIndex((line, i) => i > start && line.startsWith('## '));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** Each row `| <code> | <meaning> |` of a markdown table, in order. */
function tableRows(text: string): Array<{ code: number; meaning: string }> {
  return [...text.matchAll(/^\| *(\d+) *\| *(.*?) *\|$/gm)].map(([, code, meaning]) => ({ code: Number(code), meaning: meaning! }));
}

describe('exit codes in the documentation', () => {
  it("README's exit-code table lists each code of src/exit-codes.ts once, in order, and no other", () => {
    const text = section(README, 'Exit codes');
    expect(text, 'README.md lacks a "## Exit codes" section').toBeDefined();
    const rows = tableRows(text!);
    expect(rows.map((r) => r.code)).toEqual(CODES);
    for (const row of rows) expect(row.meaning.length, `meaning of exit code ${row.code}`).toBeGreaterThan(10);
  });

  it('--help lists each code of src/exit-codes.ts once, in order, and no other', async () => {
    const { out } = await runCliCaptured(['--help']);
    const block = out.slice(out.indexOf('\nExit codes:\n'));
    expect(block.startsWith('\nExit codes:\n'), '--help lacks its "Exit codes:" block').toBe(true);
    const codes = [...block.matchAll(/^ {2}(\d+) {2,}\S/gm)].map(([, code]) => Number(code));
    expect(codes).toEqual(CODES);
  });

  it('a code src/exit-codes.ts marks "No longer used" is marked so in the README and --help, and only those', async () => {
    const source = readFileSync(join(import.meta.dirname, '../../../src/exit-codes.ts'), 'utf8');
    const retired = new Set([...source.matchAll(/\/\*\*\s*No longer used[^]*?\*\/\s*\w+: (\d+),/g)].map(([, code]) => Number(code)));
    expect(retired.size, 'expected src/exit-codes.ts to mark at least one retired code').toBeGreaterThan(0);
    const { out } = await runCliCaptured(['--help']);
    const helpLines = out.slice(out.indexOf('\nExit codes:\n')).split('\n');
    for (const { code, meaning } of tableRows(section(README, 'Exit codes') ?? '')) {
      const helpLine = helpLines.find((line) => line.startsWith(`  ${code} `)) ?? '';
      expect(/no longer used/i.test(meaning), `README, exit code ${code}: ${meaning}`).toBe(retired.has(code));
      expect(/no longer used/i.test(helpLine), `--help, exit code ${code}: ${helpLine}`).toBe(retired.has(code));
    }
  });
});
