import { describe, expect, it } from 'vitest';
import { describeVariables, SECRET_NOTE, variablesHelpText, variablesMarkdown } from '../../../src/config/describe-variables.js';
import { PLATFORM_PRESETS } from '../../../src/config/platform-presets.js';
import type { Variable } from '../../../src/config/variable.js';
import { variables } from '../../../src/config/variables/index.js';

const docs = describeVariables();
const doc = (name: string) => docs.find((d) => d.name === name)!;

describe('describeVariables', () => {
  it('documents every variable once, in the order of the tables, under its full name', () => {
    expect(docs.map((d) => d.name)).toEqual((Object.values(variables) as Variable<unknown>[]).map((v) => `STREAMVAULT_${v.name}`));
  });

  it('shows a missing default as (required), an empty one as (empty), and any other as written', () => {
    expect(doc('STREAMVAULT_S3_BUCKET').default).toBe('(required)');
    expect(doc('STREAMVAULT_S3_PREFIX').default).toBe('(empty)');
    expect(doc('STREAMVAULT_BATCH_MAX_EVENTS')).toMatchObject({ default: '1000', unit: 'events', group: 'batching' });
  });

  it('adds the secret note to the secret variables, and only to them', () => {
    for (const d of docs) expect(d.description.endsWith(` ${SECRET_NOTE}`), d.name).toBe(d.secret);
    expect(doc('STREAMVAULT_S3_SECRET_ACCESS_KEY').secret).toBe(true);
  });

  it("lists what each preset sets a variable to, {prefix} left as is, and nothing for a variable no preset sets", () => {
    expect(doc('STREAMVAULT_TOPIC_TEMPLATE').presets).toEqual({ azul: 'azul.{prefix}.{source}.binary.{event}' });
    expect(doc('STREAMVAULT_BATCH_MAX_EVENTS').presets).toEqual({});
    const set = docs.filter((d) => Object.keys(d.presets).length > 0).map((d) => d.name.replace('STREAMVAULT_', ''));
    expect(set.sort()).toEqual(Object.keys(PLATFORM_PRESETS.azul!.values).sort());
  });
});

describe('variablesHelpText', () => {
  it('gives each variable its meaning, then its default and unit, then what a preset sets, with names in one column', () => {
    const help = variablesHelpText();
    const width = Math.max(...docs.map((d) => d.name.length));
    const lines = help.split('\n');
    const at = lines.findIndex((line) => line.startsWith('  STREAMVAULT_BATCH_MAX_EVENTS '));
    expect(lines[at]).toBe(`  ${'STREAMVAULT_BATCH_MAX_EVENTS'.padEnd(width)}  ${doc('STREAMVAULT_BATCH_MAX_EVENTS').description}`);
    expect(lines[at + 1]).toBe(`  ${' '.repeat(width)}  default: 1000 events`);
    const topic = lines.findIndex((line) => line.startsWith('  STREAMVAULT_TOPIC_TEMPLATE '));
    expect(lines.slice(topic + 1, topic + 3)).toEqual([`  ${' '.repeat(width)}  default: {source}.{event}`, `  ${' '.repeat(width)}  STREAMVAULT_PLATFORM=azul: azul.{prefix}.{source}.binary.{event}`]);
  });

  it("shows only the given groups, without the names the command does not read", () => {
    const help = variablesHelpText(['batching'], ['STREAMVAULT_AVRO_CODEC']);
    const names = [...help.matchAll(/^ {2}(STREAMVAULT_\w+)/gm)].map(([, name]) => name);
    expect(names).toEqual(docs.filter((d) => d.group === 'batching' && d.name !== 'STREAMVAULT_AVRO_CODEC').map((d) => d.name));
    expect(names).toContain('STREAMVAULT_BATCH_MAX_EVENTS');
    expect(names).not.toContain('STREAMVAULT_KAFKA_BROKERS');
  });
});

describe('variablesMarkdown', () => {
  const markdown = variablesMarkdown();
  const rows = markdown.split('\n').filter((line) => line.startsWith('| `STREAMVAULT_'));

  it('has a row per variable with code-spanned defaults, except (required) and (empty)', () => {
    expect(markdown.startsWith('| Variable | Default | Unit | Meaning |\n| --- | --- | --- | --- |\n')).toBe(true);
    expect(rows.slice(0, docs.length).map((row) => row.slice(3, row.indexOf('`', 3)))).toEqual(docs.map((d) => d.name));
    expect(rows).toContain(`| \`STREAMVAULT_BATCH_MAX_EVENTS\` | \`1000\` | events | ${doc('STREAMVAULT_BATCH_MAX_EVENTS').description} |`);
    expect(rows.find((row) => row.startsWith('| `STREAMVAULT_S3_BUCKET` |'))).toMatch(/^\| `STREAMVAULT_S3_BUCKET` \| \(required\) \| {2}\| /);
    expect(rows.find((row) => row.startsWith('| `STREAMVAULT_S3_PREFIX` |'))).toMatch(/^\| `STREAMVAULT_S3_PREFIX` \| \(empty\) \| /);
  });

  it('escapes every | inside a cell, code spans too (GitHub splits cells on it)', () => {
    const map = rows.find((row) => row.startsWith('| `STREAMVAULT_EVENT_TYPE_MAP` |'))!;
    expect(doc('STREAMVAULT_EVENT_TYPE_MAP').default).toContain('|');
    expect(map).toContain(`\`${doc('STREAMVAULT_EVENT_TYPE_MAP').default.replaceAll('|', '\\|')}\``);
    // Unescaped pipes: the five borders of four cells only.
    for (const row of rows.slice(0, docs.length)) expect(row.replaceAll('\\|', '').split('|').length - 1, row.slice(0, 60)).toBe(5);
  });

  it("ends with a table of what each preset sets", () => {
    expect(markdown).toContain('What `STREAMVAULT_PLATFORM=azul` sets (`{prefix}` is STREAMVAULT_PLATFORM_PREFIX; a variable set explicitly wins):\n\n| Variable | Value |\n| --- | --- |\n');
    for (const [name, value] of Object.entries(PLATFORM_PRESETS.azul!.values)) {
      expect(markdown).toContain(`| \`STREAMVAULT_${name}\` | \`${value.replaceAll('|', '\\|')}\` |`);
    }
  });
});
