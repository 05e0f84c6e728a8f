import { expect } from 'vitest';
import { formatProblems, loadConfig, type Config, type ConfigProblem } from '../../src/config/load-config.js';
import { ENV_PREFIX } from '../../src/config/variable.js';
import type { VariableKey } from '../../src/config/variables/index.js';

/** The one variable without a default. */
const BASE = { [`${ENV_PREFIX}S3_BUCKET`]: 'backup-bucket' };

function envOf(values: Partial<Record<VariableKey, string>>): NodeJS.ProcessEnv {
  return { ...BASE, ...Object.fromEntries(Object.entries(values).map(([key, raw]) => [ENV_PREFIX + key, raw])) };
}

/**
 * The config loadConfig makes of these variables (names without `STREAMVAULT_`, set in the
 * environment) over a bucket and every default; throws with every problem when it refuses them.
 */
export function configOf(values: Partial<Record<VariableKey, string>> = {}): Config {
  const result = loadConfig(envOf(values));
  if (!result.ok) throw new Error(`expected ${JSON.stringify(values)} to load, got ${formatProblems(result.problems)}`);
  return result.config;
}

/** What one variable set to `raw` loads as. */
export function valueOf<K extends VariableKey>(key: K, raw: string): Config[K] {
  return configOf({ [key]: raw } as Partial<Record<VariableKey, string>>)[key];
}

/** The problem loadConfig reports for one variable set to `raw` (and the others given); fails when there is none. */
export function problemOf(key: VariableKey, raw: string, others: Partial<Record<VariableKey, string>> = {}): ConfigProblem {
  const result = loadConfig(envOf({ ...others, [key]: raw }));
  const problem = result.ok ? undefined : result.problems.find((p) => p.variable === ENV_PREFIX + key);
  if (!problem) throw new Error(`expected ${ENV_PREFIX}${key}=${JSON.stringify(raw)} to be refused, got ${result.ok ? 'a config' : formatProblems(result.problems)}`);
  return problem;
}

/** An integer variable takes `min` and `max` and refuses one past each, a fraction and a word, saying the range. */
export function expectIntegerRange(key: VariableKey, min: number, max: number): void {
  expect(valueOf(key, String(min)), `${key}=${min}`).toBe(min);
  expect(valueOf(key, String(max)), `${key}=${max}`).toBe(max);
  const message = `expected an integer from ${min} to ${max}`;
  for (const raw of [String(min - 1), String(max + 1), `${min}.5`, 'ten']) {
    expect(problemOf(key, raw), `${key}=${raw}`).toEqual({ variable: ENV_PREFIX + key, expected: message, received: JSON.stringify(raw) });
  }
}

/** A positive-number variable takes a decimal and refuses 0, a negative number and a word. */
export function expectPositiveNumber(key: VariableKey): void {
  expect(valueOf(key, '0.5'), `${key}=0.5`).toBe(0.5);
  expect(problemOf(key, '0').expected, `${key}=0`).toBe('expected a number greater than 0');
  for (const raw of ['-1', 'ten', '1e3']) expect(problemOf(key, raw).expected, `${key}=${raw}`).toBe('expected a positive number (decimals allowed)');
}

/** A boolean variable takes true/false, 1/0 and yes/no in any case, and refuses anything else. */
export function expectBoolean(key: VariableKey): void {
  for (const [raw, value] of [['TRUE', true], ['0', false], ['yes', true], ['No', false]] as const) expect(valueOf(key, raw), `${key}=${raw}`).toBe(value);
  expect(problemOf(key, 'maybe')).toEqual({ variable: ENV_PREFIX + key, expected: 'expected one of true, false, 1, 0, yes, no', received: '"maybe"' });
}

/** A one-of variable takes each value in any case and refuses another, listing the values. */
export function expectOneOf(key: VariableKey, values: readonly string[]): void {
  for (const value of values) expect(valueOf(key, value.toUpperCase()), `${key}=${value.toUpperCase()}`).toBe(value);
  expect(problemOf(key, 'nope')).toEqual({ variable: ENV_PREFIX + key, expected: `expected one of ${values.join(', ')}`, received: '"nope"' });
}
