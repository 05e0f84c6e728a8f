import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PLATFORM_PRESETS, presetValues } from './platform-presets.js';
import { parseSourcesFile, type SourceEntry } from './sources-file.js';
import { ENV_PREFIX, type Variable } from './variable.js';
import { variables, type VariableKey } from './variables/index.js';
import { resolvePairs } from './resolve-pairs.js';
import type { Pair } from './pair.js';
import { resolveEncryptionKeys, type EncryptionKeys } from './encryption-keys.js';
import { resolveKafkaSecurity, type ConfigFileReader, type KafkaSecurity } from './kafka-security.js';

type Values = { readonly [K in VariableKey]: (typeof variables)[K] extends Variable<infer T> ? T : never };

export type Config = Values & {
  readonly pairs: readonly Pair[];
  /** The sources of STREAMVAULT_SOURCES_FILE, excluded ones too; `undefined` when it is not set. */
  readonly sourcesFromFile: readonly SourceEntry[] | undefined;
  /** TLS and SASL of the backup's brokers, files read (kafka-security.ts). */
  readonly kafkaSecurity: KafkaSecurity;
  /** TLS and SASL of the restore/drill target: its own where STREAMVAULT_RESTORE_KAFKA_SSL / _SASL_MECHANISM are set. */
  readonly restoreKafkaSecurity: KafkaSecurity;
  /** Client-side encryption keys, files read (encryption-keys.ts); `current` undefined: encryption off. */
  readonly encryptionKeys: EncryptionKeys;
};

export interface LoadConfigDeps {
  /**
   * Reads a file a variable names (STREAMVAULT_SOURCES_FILE, the Kafka CA, certificate, key and
   * password files), once, here; throws when it cannot.
   */
  readonly readTextFile: ConfigFileReader;
}

const defaultDeps: LoadConfigDeps = { readTextFile: (path) => readFileSync(path, 'utf8') };

export interface ConfigProblem {
  /** Full variable name with prefix, or a short description for cross-field problems. */
  readonly variable: string;
  /** Starts with "expected ...". */
  readonly expected: string;
  /** What arrived, or `(secret)` for secret variables, or `(unset)`. */
  readonly received: string;
}

export type LoadConfigResult =
  | { ok: true; config: Config; /** Set but not a streamvault variable: a typo, or injected by the platform. */ unknownVariables: string[] }
  | { ok: false; problems: ConfigProblem[] };

/**
 * Reads every STREAMVAULT_ variable once, validates all of them and reports every problem at once,
 * so an operator fixes the deployment in one go instead of one restart per typo. The files the
 * Kafka security variables name (CA, client certificate and key, password file) are read here,
 * once, through `deps.readTextFile`, like STREAMVAULT_SOURCES_FILE.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv,
  overrides: Partial<Record<VariableKey, string>> = {},
  deps: LoadConfigDeps = defaultDeps,
): LoadConfigResult {
  const problems: ConfigProblem[] = [];
  const values: Record<string, unknown> = {};
  const rawOf = (key: VariableKey): string | undefined => {
    const raw = overrides[key] ?? env[ENV_PREFIX + variables[key].name];
    return raw === undefined || (raw === '' && !variables[key].emptyIsValue) ? undefined : raw;
  };
  const preset = platformDefaults(rawOf('PLATFORM'), rawOf('PLATFORM_PREFIX'));
  if (preset.problem) problems.push(preset.problem);

  for (const [key, spec] of Object.entries(variables) as Array<[VariableKey, Variable<unknown>]>) {
    const fullName = ENV_PREFIX + spec.name;
    // An explicit value, else the platform preset's, else the variable's own default.
    const effective = rawOf(key) ?? preset.values[spec.name] ?? spec.default;
    if (effective === undefined) {
      problems.push({ variable: fullName, expected: `expected a value: ${spec.description}`, received: '(unset)' });
      continue;
    }
    const parsed = spec.schema.safeParse(effective);
    if (parsed.success) {
      values[key] = parsed.data;
    } else {
      problems.push({
        variable: fullName,
        expected: describeIssues(parsed.error),
        received: spec.secret ? '(secret)' : JSON.stringify(effective),
      });
    }
  }

  // Unknown names are warnings, not errors: Kubernetes injects STREAMVAULT_SERVICE_HOST,
  // STREAMVAULT_PORT_... for a Service named streamvault, and that must not stop the daemon.
  const unknownVariables = Object.keys(env)
    .filter((name) => name.startsWith(ENV_PREFIX) && !(name.slice(ENV_PREFIX.length) in variables))
    .sort();

  let sourcesFromFile: SourceEntry[] | undefined;
  let sources = values.SOURCES as string[] | undefined;
  if (values.SOURCES_FILE !== undefined && values.SOURCES_FILE !== '') {
    const path = values.SOURCES_FILE as string;
    if (rawOf('SOURCES') !== undefined) {
      problems.push({
        variable: `${ENV_PREFIX}SOURCES / ${ENV_PREFIX}SOURCES_FILE`,
        expected: 'expected one of them, not both (the file lists the sources, and which are excluded from backup)',
        received: 'both set',
      });
    }
    const loaded = readSourcesFile(path, deps);
    if (loaded.ok) {
      sourcesFromFile = loaded.sources;
      sources = loaded.sources.filter((s) => !s.excludeFromBackup).map((s) => s.name);
    } else {
      for (const p of loaded.problems) problems.push({ variable: `${ENV_PREFIX}SOURCES_FILE`, expected: `${path}: ${p}`, received: '' });
      sources = undefined;
    }
  }

  let pairs: Pair[] = [];
  if (sources !== undefined && values.EVENT_TYPES !== undefined && values.EXTRA_PAIRS !== undefined) {
    const resolved = resolvePairs({
      sources,
      eventTypes: values.EVENT_TYPES as string[],
      extraPairs: values.EXTRA_PAIRS as string[],
      topicTemplate: (values.TOPIC_TEMPLATE as string | undefined) ?? '{source}.{event}',
      extraPairsTopicTemplate: (values.EXTRA_PAIRS_TOPIC_TEMPLATE as string | undefined) || undefined,
      topics: (values.TOPICS as string | undefined) ?? '',
    });
    if (resolved.ok) pairs = resolved.pairs;
    else for (const p of resolved.problems) problems.push({ variable: 'pairs', expected: p, received: '' });
  }

  problems.push(...crossFieldProblems(values));
  const security = resolveKafkaSecurity(values, deps.readTextFile);
  problems.push(...security.problems);
  const encryption = resolveEncryptionKeys(values, deps.readTextFile);
  problems.push(...encryption.problems);

  if (problems.length > 0) return { ok: false, problems };
  // zod output types are checked per variable above; the assembled record is complete here.
  return {
    ok: true,
    config: { ...(values as Values), pairs, sourcesFromFile, kafkaSecurity: security.source, restoreKafkaSecurity: security.restoreTarget, encryptionKeys: encryption.keys },
    unknownVariables,
  };
}

/**
 * The preset's raw values (keyed by variable name) for STREAMVAULT_PLATFORM, with `{prefix}` filled
 * in. An unknown platform is left to the variable's own validation; a missing or unusable prefix
 * is one problem, and then nothing of the preset applies (half a preset would only add noise).
 */
function platformDefaults(platform: string | undefined, prefix: string | undefined): { values: Record<string, string>; problem?: ConfigProblem } {
  const preset = platform === undefined ? undefined : PLATFORM_PRESETS[platform.trim().toLowerCase()];
  if (!preset) return { values: {} };
  if (prefix === undefined || !/^[A-Za-z0-9._-]+$/.test(prefix)) {
    return {
      values: {},
      problem: {
        variable: `${ENV_PREFIX}PLATFORM_PREFIX`,
        expected: `expected the platform's prefix (letters, digits, ".", "_" or "-") when ${ENV_PREFIX}PLATFORM is ${preset.name}`,
        received: prefix === undefined ? '(unset)' : JSON.stringify(prefix),
      },
    };
  }
  return { values: presetValues(preset, prefix) };
}

function readSourcesFile(path: string, deps: LoadConfigDeps): { ok: true; sources: SourceEntry[] } | { ok: false; problems: string[] } {
  let text: string;
  try {
    text = deps.readTextFile(path);
  } catch (error) {
    return { ok: false, problems: [`expected a readable file, got ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`] };
  }
  return parseSourcesFile(text);
}

function crossFieldProblems(values: Record<string, unknown>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (Boolean(values.S3_ACCESS_KEY_ID) !== Boolean(values.S3_SECRET_ACCESS_KEY)) {
    problems.push({
      variable: `${ENV_PREFIX}S3_ACCESS_KEY_ID / ${ENV_PREFIX}S3_SECRET_ACCESS_KEY`,
      expected: 'expected both set, or both empty to use the AWS SDK credential chain',
      received: 'only one set',
    });
  }
  if (values.S3_SSE_KMS_KEY_ID && values.S3_SERVER_SIDE_ENCRYPTION !== 'aws:kms') {
    problems.push({
      variable: `${ENV_PREFIX}S3_SSE_KMS_KEY_ID`,
      expected: `expected empty unless ${ENV_PREFIX}S3_SERVER_SIDE_ENCRYPTION is aws:kms`,
      received: `${ENV_PREFIX}S3_SERVER_SIDE_ENCRYPTION ${JSON.stringify(values.S3_SERVER_SIDE_ENCRYPTION)}`,
    });
  }
  if (values.S3_SESSION_TOKEN && !values.S3_ACCESS_KEY_ID) {
    problems.push({
      variable: `${ENV_PREFIX}S3_SESSION_TOKEN`,
      expected: `expected ${ENV_PREFIX}S3_ACCESS_KEY_ID and ${ENV_PREFIX}S3_SECRET_ACCESS_KEY with it (a session token belongs to explicit credentials)`,
      received: '',
    });
  }
  return problems;
}

function describeIssues(error: z.ZodError): string {
  return [...new Set(error.issues.map((issue) => issue.message))].join('; ');
}

export function formatProblems(problems: readonly ConfigProblem[]): string {
  const lines = problems.map((p) =>
    p.received === '' ? `  - ${p.variable}: ${p.expected}` : `  - ${p.variable}: ${p.expected}; got ${p.received}`,
  );
  return `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}
