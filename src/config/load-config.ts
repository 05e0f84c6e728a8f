import { z } from 'zod';
import { ENV_PREFIX, type Variable } from './variable.js';
import { variables, type VariableKey } from './variables/index.js';
import { resolvePairs } from './resolve-pairs.js';
import type { Pair } from './pair.js';
import type { KafkaSecurity } from '../kafka/create-kafka.js';
import { readConfigFile, resolveKafkaSecurity, type ConfigFileReader } from './kafka-security.js';

type Values = { readonly [K in VariableKey]: (typeof variables)[K] extends Variable<infer T> ? T : never };

export type Config = Values & {
  readonly pairs: readonly Pair[];
  /** TLS and SASL of the backup's brokers, files read (kafka-security.ts). */
  readonly kafkaSecurity: KafkaSecurity;
  /** TLS and SASL of the restore/drill target: its own where STREAMVAULT_RESTORE_KAFKA_SSL / _SASL_MECHANISM are set. */
  readonly restoreKafkaSecurity: KafkaSecurity;
};

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
 * once, through `readFile`.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv,
  overrides: Partial<Record<VariableKey, string>> = {},
  readFile: ConfigFileReader = readConfigFile,
): LoadConfigResult {
  const problems: ConfigProblem[] = [];
  const values: Record<string, unknown> = {};

  for (const [key, spec] of Object.entries(variables) as Array<[VariableKey, Variable<unknown>]>) {
    const fullName = ENV_PREFIX + spec.name;
    const raw = overrides[key] ?? env[fullName];
    const effective = raw === undefined || (raw === '' && !spec.emptyIsValue) ? spec.default : raw;
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

  let pairs: Pair[] = [];
  if (values.SOURCES !== undefined && values.EVENT_TYPES !== undefined && values.EXTRA_PAIRS !== undefined) {
    const resolved = resolvePairs({
      sources: values.SOURCES as string[],
      eventTypes: values.EVENT_TYPES as string[],
      extraPairs: values.EXTRA_PAIRS as string[],
      topicTemplate: (values.TOPIC_TEMPLATE as string | undefined) ?? '{source}.{event}',
      topics: (values.TOPICS as string | undefined) ?? '',
    });
    if (resolved.ok) pairs = resolved.pairs;
    else for (const p of resolved.problems) problems.push({ variable: 'pairs', expected: p, received: '' });
  }

  problems.push(...crossFieldProblems(values));
  const security = resolveKafkaSecurity(values, readFile);
  problems.push(...security.problems);

  if (problems.length > 0) return { ok: false, problems };
  // zod output types are checked per variable above; the assembled record is complete here.
  return {
    ok: true,
    config: { ...(values as Values), pairs, kafkaSecurity: security.source, restoreKafkaSecurity: security.restoreTarget },
    unknownVariables,
  };
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
