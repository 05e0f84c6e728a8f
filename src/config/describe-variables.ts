import { PLATFORM_PRESETS } from './platform-presets.js';
import { ENV_PREFIX, type Variable, type VariableGroup } from './variable.js';
import { variables } from './variables/index.js';

export interface VariableDoc {
  name: string;
  default: string;
  unit: string;
  description: string;
  group: VariableGroup;
  /** What each platform preset sets it to (`{prefix}` left as is), by platform name. */
  presets: Record<string, string>;
  /** Its value is never printed: not in logs, errors, `--help`, metrics or progress lines. */
  secret: boolean;
}

/** Appended to a secret variable's meaning wherever it is documented. */
export const SECRET_NOTE = 'Secret: its value is never printed or logged.';

export function describeVariables(): VariableDoc[] {
  return (Object.values(variables) as Variable<unknown>[]).map((v) => ({
    name: ENV_PREFIX + v.name,
    default: v.default === undefined ? '(required)' : v.default === '' ? '(empty)' : v.default,
    unit: v.unit,
    description: v.secret ? `${v.description} ${SECRET_NOTE}` : v.description,
    group: v.group,
    presets: Object.fromEntries(
      Object.values(PLATFORM_PRESETS)
        .filter((p) => p.values[v.name] !== undefined)
        .map((p) => [p.name, p.values[v.name]!]),
    ),
    secret: v.secret,
  }));
}

/**
 * Plain-text list for `--help`: every variable, or only those of the given groups (a command's
 * own help shows what that command reads), without the `notRead` names (full names) of those groups.
 */
export function variablesHelpText(groups?: readonly VariableGroup[], notRead: readonly string[] = []): string {
  const docs = describeVariables().filter((d) => (!groups || groups.includes(d.group)) && !notRead.includes(d.name));
  const width = Math.max(...docs.map((d) => d.name.length));
  return docs
    .map((d) => {
      const unit = d.unit ? ` ${d.unit}` : '';
      const presets = Object.entries(d.presets).map(([name, value]) => `\n  ${' '.repeat(width)}  ${ENV_PREFIX}PLATFORM=${name}: ${value}`);
      return `  ${d.name.padEnd(width)}  ${d.description}\n  ${' '.repeat(width)}  default: ${d.default}${unit}${presets.join('')}`;
    })
    .join('\n');
}

/**
 * Markdown table for the README; a test keeps the README's copy equal to this. A `|` is escaped
 * everywhere in a row, code spans too: GitHub's tables split cells on it even inside backticks.
 */
export function variablesMarkdown(): string {
  const rows = describeVariables().map(
    (d) =>
      `| \`${d.name}\` | ${d.default === '(required)' || d.default === '(empty)' ? d.default : `\`${d.default.replaceAll('|', '\\|')}\``} | ${d.unit} | ${d.description.replaceAll('|', '\\|')} |`,
  );
  const tables = [['| Variable | Default | Unit | Meaning |', '| --- | --- | --- | --- |', ...rows].join('\n')];
  for (const preset of Object.values(PLATFORM_PRESETS)) {
    const set = describeVariables().filter((d) => d.presets[preset.name] !== undefined);
    tables.push(
      [
        `What \`${ENV_PREFIX}PLATFORM=${preset.name}\` sets (\`{prefix}\` is ${ENV_PREFIX}PLATFORM_PREFIX; a variable set explicitly wins):`,
        '',
        '| Variable | Value |',
        '| --- | --- |',
        ...set.map((d) => `| \`${d.name}\` | \`${d.presets[preset.name]!.replaceAll('|', '\\|')}\` |`),
      ].join('\n'),
    );
  }
  return tables.join('\n\n');
}
