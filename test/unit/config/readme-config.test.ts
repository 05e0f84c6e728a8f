import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_PREFIX } from '../../../src/config/variable.js';
import { variables } from '../../../src/config/variables/index.js';
import { variablesMarkdown } from '../../../src/config/describe-variables.js';
import { readConfigBlock } from '../../../scripts/readme-config-block.js';
import { TEST_KAFKA_ENV } from '../../helpers/test-kafka-kind.js';

const README = readFileSync(join(import.meta.dirname, '../../../README.md'), 'utf8');

describe('README configuration reference', () => {
  it('equals the table generated from the variable tables (run `npm run docs` to update it)', () => {
    const block = readConfigBlock(README);
    expect(block, 'README.md lacks the config:start/config:end markers').toBeDefined();
    expect(block).toBe(variablesMarkdown().trim());
  });

  it('has four cells in every row of the variables table: a `|` in a value is escaped, code spans too (GitHub splits cells on it)', () => {
    const block = readConfigBlock(README) ?? '';
    const rows = block.split('\n').filter((line) => line.startsWith('| `'));
    expect(rows.length).toBeGreaterThan(Object.keys(variables).length);
    for (const row of rows.slice(0, Object.keys(variables).length)) {
      expect(row.split(/(?<!\\)\|/).length - 2, row.slice(0, 60)).toBe(4);
    }
  });

  it('lists every variable, with its default', () => {
    const block = readConfigBlock(README) ?? '';
    for (const v of Object.values(variables)) {
      expect(block).toContain(`| \`${ENV_PREFIX}${v.name}\` |`);
    }
  });

  it('mentions only variables that exist, anywhere in the README', () => {
    // The test run's own switch is named like a daemon variable (the daemon ignores it, with a warning).
    const known = new Set([...Object.values(variables).map((v) => `${ENV_PREFIX}${v.name}`), TEST_KAFKA_ENV]);
    for (const [, name, family] of README.matchAll(/(STREAMVAULT_[A-Z0-9_]*[A-Z0-9])(_\*)?/g)) {
      // `STREAMVAULT_S3_*` names a family: at least one variable must start with it.
      if (family) expect([...known].some((k) => k.startsWith(`${name}_`)), `${name}_*`).toBe(true);
      else expect(known.has(name!), name).toBe(true);
    }
  });
});
