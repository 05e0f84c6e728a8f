import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

import avro from 'avsc';
import { StreamvaultError } from '../errors/streamvault-error.js';

/**
 * The named Avro types of one schema set, built into a single avsc registry so types defined in one
 * file can be referenced from later ones.
 *
 * Every Avro `long` (including `timestamp-micros`) decodes as a `bigint`, always, whatever its value:
 * a field's JavaScript type then depends only on the schema, never on the data, so callers never
 * meet a `number` in one event and a `bigint` in the next. Encoding accepts a `bigint` or a
 * safe-integer `number`. `fixed` decodes as a `Buffer` (the platform's 8-byte sizes are big-endian).
 */
export interface SchemaRegistry {
  /** Full names of every named type (record, enum, fixed), sorted, including nested definitions. */
  readonly typeNames: readonly string[];
  /** The named type, or `undefined` when the schema set does not define `name` (primitives included). */
  type(name: string): avro.Type | undefined;
}

/** A schema file (or the schema path itself) could not be loaded; not retriable without a fix. */
export class SchemaLoadError extends StreamvaultError {
  override readonly name = 'SchemaLoadError';

  constructor(
    /** The file (or directory) at fault. */
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, { code: 'SCHEMA_LOAD_FAILED', cause: options?.cause });
  }
}

const SCHEMA_FILE = /\.(avsc|json)$/i;

/**
 * Loads `path` — one schema file, or a directory whose `.avsc`/`.json` files are loaded in lexical
 * (code unit) order — into one registry. Each file holds one schema or a JSON array of schemas
 * (an array at the top of a file is a list, not a union). Other files, such as `readme.md`, are
 * ignored; a directory without schema files is an error because decoding would then match nothing.
 */
export async function loadSchemaRegistry(path: string): Promise<SchemaRegistry> {
  const files = await schemaFiles(path);
  const registry: Record<string, avro.Type> = {};
  const options = { registry, typeHook: schemaTypeHook };

  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new SchemaLoadError(file, `Cannot read Avro schema file ${file}: ${messageOf(error)}`, { cause: error });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new SchemaLoadError(file, `Expected Avro schema file ${file} to hold JSON, but it does not parse: ${messageOf(error)}`, {
        cause: error,
      });
    }
    const schemas = Array.isArray(parsed) ? parsed : [parsed];
    schemas.forEach((schema: unknown, index) => {
      try {
        avro.Type.forSchema(schema as avro.Schema, options);
      } catch (error) {
        const where = Array.isArray(parsed) ? `schema #${index + 1}${describeName(schema)} of ` : '';
        throw new SchemaLoadError(
          file,
          `Expected a valid Avro schema in ${where}${file} (files load in lexical order; types of earlier files are visible), but avsc rejected it: ${messageOf(error)}`,
          { cause: error },
        );
      }
    });
  }

  // The registry also caches primitives ("string") and aliases under their own keys; only a
  // type registered under its own full name is a named type.
  const named = new Map<string, avro.Type>();
  for (const [key, type] of Object.entries(registry)) {
    if (type.name === key) named.set(key, type);
  }
  const typeNames = Object.freeze([...named.keys()].sort(compareCodeUnits));
  return {
    typeNames,
    type: (name: string) => named.get(name),
  };
}

async function schemaFiles(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new SchemaLoadError(path, `Expected an Avro schema file or directory at ${path}: ${messageOf(error)}`, { cause: error });
  }
  // A file named explicitly is the operator's choice, whatever its extension.
  if (!info.isDirectory()) return [path];

  const entries = await readdir(path, { withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && SCHEMA_FILE.test(entry.name))
    .map((entry) => entry.name)
    .sort(compareCodeUnits)
    .map((name) => join(path, name));
  if (files.length === 0) {
    const seen = entries.map((entry) => entry.name).join(', ') || 'nothing';
    throw new SchemaLoadError(path, `Expected .avsc or .json schema files in directory ${path}, found ${seen}`);
  }
  return files;
}

// Plain code-unit order, not localeCompare: load order must not depend on the machine's locale.
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Avro `long` as `bigint`: avsc's default long refuses values beyond 2^53 ("potential precision loss"). */
export const bigintLongType: avro.Type = avro.types.LongType.__with({
  // avsc unpacks the zigzag varint into 8 little-endian two's-complement bytes for us.
  fromBuffer: (buf: Buffer): bigint => buf.readBigInt64LE(0),
  toBuffer: (value: bigint | number): Buffer => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(value));
    return buf;
  },
  // JSON cannot carry an exact integer beyond 2^53, so toJSON emits a decimal string there;
  // fromJSON accepts it back, which keeps avsc's clone (fromJSON(toJSON(x))) lossless.
  fromJSON: (value: unknown): bigint => {
    if (typeof value === 'bigint') return value;
    if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
    if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
    throw new Error(`Expected an Avro long as an integer or a decimal string, got ${String(value)} (${typeof value})`);
  },
  toJSON: (value: bigint | number): number | string => {
    const big = BigInt(value);
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big.toString();
  },
  isValid: (value: unknown): boolean =>
    (typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX) ||
    (typeof value === 'number' && Number.isSafeInteger(value)),
  compare: (a: bigint | number, b: bigint | number): number => {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  },
});

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

// Keywords that make `{"type": ...}` a definition rather than a reference to a named type.
const TYPE_KEYWORDS = new Set([
  'null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string',
  'record', 'error', 'enum', 'array', 'map', 'fixed',
]);

/**
 * avsc calls this for every schema node before building it. It does two things:
 * - every `long`, bare or with attributes such as `logicalType: timestamp-micros`, becomes the
 *   bigint long (a plain registry entry would miss the attributed form);
 * - the platform's pseudo-definition `{"name": "BinaryEvent", "type": "BinaryEvent"}` (2_status.json)
 *   becomes the reference `"BinaryEvent"`. Only the exact shapes `{"type": N}` and
 *   `{"name": N, "type": N}` qualify, and `N` must already be defined: a real definition with a
 *   typo, a different name or extra attributes still fails as avsc would fail it.
 */
function schemaTypeHook(schema: avro.Schema, opts: avro.ForSchemaOptions): avro.Type | undefined {
  if (schema === 'long') return bigintLongType;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined;
  const node = schema as unknown as Record<string, unknown>;
  if (node['type'] === 'long') return bigintLongType;

  const target = node['type'];
  if (typeof target !== 'string' || TYPE_KEYWORDS.has(target)) return undefined;
  const keys = Object.keys(node);
  const isPseudoReference =
    keys.every((key) => key === 'type' || key === 'name') && (node['name'] === undefined || node['name'] === target);
  if (!isPseudoReference) return undefined;
  // Resolving the string form applies avsc's own namespace rules and its "undefined type name" error.
  return avro.Type.forSchema(target, opts);
}

function describeName(schema: unknown): string {
  if (typeof schema === 'object' && schema !== null && typeof (schema as { name?: unknown }).name === 'string') {
    return ` (${(schema as { name: string }).name})`;
  }
  return '';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
