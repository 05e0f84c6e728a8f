import { z } from 'zod';

/**
 * One environment variable: its name (without the `STREAMVAULT_` prefix), how the raw string is
 * coerced and validated, its default, unit and meaning. The README's configuration reference and
 * `--help` are generated from these, so the documentation cannot drift from the code.
 */
export interface Variable<T> {
  readonly name: string;
  /** Parses the raw string (or the default). Its error message should say what was expected. */
  readonly schema: z.ZodType<T>;
  /** Raw default as the operator would type it; `undefined` means required. */
  readonly default: string | undefined;
  /** Unit shown in documentation (`events`, `seconds`, `bytes`); empty when not a quantity. */
  readonly unit: string;
  readonly description: string;
  /** Values of secret variables never appear in logs, errors or `--help`. */
  readonly secret: boolean;
  /** Which commands read it; used to group the reference. */
  readonly group: VariableGroup;
  /**
   * Whether a variable set to the empty string means "empty" (lists: no pairs from here) rather
   * than "use the default" (how deployment tools usually render an unset value).
   */
  readonly emptyIsValue: boolean;
}

export type VariableGroup =
  | 'general'
  | 'kafka'
  | 'pairs'
  | 'batching'
  | 'offsets'
  | 'schema'
  | 's3'
  | 'streams'
  | 'restore'
  | 'observability';

export const ENV_PREFIX = 'STREAMVAULT_';

export function variable<T>(spec: {
  name: string;
  schema: z.ZodType<T>;
  default?: string;
  unit?: string;
  description: string;
  secret?: boolean;
  group: VariableGroup;
  emptyIsValue?: boolean;
}): Variable<T> {
  return {
    name: spec.name,
    schema: spec.schema,
    default: spec.default,
    unit: spec.unit ?? '',
    description: spec.description,
    secret: spec.secret ?? false,
    group: spec.group,
    emptyIsValue: spec.emptyIsValue ?? false,
  };
}

// Coercions shared by the variable tables. Each error says what was expected.

export const text = () => z.string();

export const nonEmptyText = () => z.string().trim().min(1, { message: 'expected a non-empty string' });

export const integer = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, { message: `expected an integer from ${min} to ${max}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, { message: `expected an integer from ${min} to ${max}` })
        .max(max, { message: `expected an integer from ${min} to ${max}` }),
    );

export const positiveNumber = () =>
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, { message: 'expected a positive number (decimals allowed)' })
    .transform(Number)
    .pipe(z.number().positive({ message: 'expected a number greater than 0' }));

export const boolean = () =>
  z
    .string()
    .trim()
    .toLowerCase()
    .refine((s) => ['true', 'false', '1', '0', 'yes', 'no'].includes(s), {
      message: 'expected one of true, false, 1, 0, yes, no',
    })
    .transform((s) => s === 'true' || s === '1' || s === 'yes');

/** A boolean, or empty for "not set here" (`undefined`): the value comes from elsewhere (e.g. inherited). */
export const optionalBoolean = () =>
  z.union([z.string().trim().length(0).transform(() => undefined), boolean()], {
    message: 'expected one of true, false, 1, 0, yes, no, or empty',
  });

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(values, { message: `expected one of ${values.join(', ')}` }));

/** Comma-separated list; blanks dropped, so `a, b,` is `[a, b]`. */
export const list = () =>
  z.string().transform((s) =>
    s
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

/**
 * Comma-separated `host:port` list (kafkajs would take a bare host and fail on every connection
 * attempt, so the mistake surfaces as a configuration error instead).
 */
export const brokerList = () =>
  list().superRefine((brokers, ctx) => {
    for (const broker of brokers) {
      const port = /^(?:\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(broker)?.[1];
      if (port === undefined || Number(port) < 1 || Number(port) > 65535) {
        ctx.addIssue({ code: 'custom', message: `expected host:port with a port from 1 to 65535 (e.g. kafka-0:9092), got ${JSON.stringify(broker)}` });
      }
    }
  });

/**
 * Empty, or an `http://` or `https://` URL with a host: every URL variable is a base that HTTP
 * clients (the AWS SDK, fetch) connect to. `URL.canParse` alone would take `minio:9000` (scheme
 * `minio:`), and the mistake would surface only at the first connection.
 */
export const url = () =>
  z
    .string()
    .trim()
    .superRefine((s, ctx) => {
      const problem = s === '' ? undefined : httpUrlProblem(s);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    });

/**
 * Why `raw` is not such a URL, or undefined. Load-config appends `; got <value>`, so the message
 * says what was expected and how the value was read, without repeating it.
 */
function httpUrlProblem(raw: string): string | undefined {
  const expected = 'expected an http:// or https:// URL such as http://host:port';
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(raw)?.[1];
  if (scheme === undefined) return `${expected} (no scheme?)`;
  const rest = raw.slice(scheme.length + 1);
  if (!/^https?$/i.test(scheme)) {
    // `host:port` parses as scheme `host:`; a URL of another scheme has `//` after it.
    return rest.startsWith('//') ? `${expected} (the scheme is ${JSON.stringify(`${scheme}:`)})` : `${expected} (no scheme? ${JSON.stringify(`${scheme}:`)} is read as the scheme)`;
  }
  if (!rest.startsWith('//')) return `${expected} (no // after ${JSON.stringify(`${scheme}:`)})`;
  if (!URL.canParse(raw) || new URL(raw).hostname === '') return `${expected} (it does not parse as a URL with a host)`;
  return undefined;
}
