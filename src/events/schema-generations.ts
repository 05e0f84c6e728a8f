import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';

import { loadSchemaRegistry, SchemaLoadError, type SchemaRegistry } from './schema-registry.js';

/**
 * One schema generation: a complete schema set in its own registry. Generations share type names
 * (every one defines its own `BinaryEvent`), so they can never live in one registry.
 */
export interface SchemaGeneration {
  /** The generation's directory name (`v6`), or the schema path's base name for a single set. */
  readonly name: string;
  /**
   * The number in the name (`v6`, `V6` or `6` give 6), compared with an event's `model_version`
   * (see generation-decoder.ts); `undefined` when the name is not of that form.
   */
  readonly version: number | undefined;
  readonly registry: SchemaRegistry;
}

const SCHEMA_FILE = /\.(avsc|json)$/i;
const VERSIONED_NAME = /^[vV]?(\d{1,9})$/;

/**
 * Loads `path` (STREAMVAULT_EVENT_SCHEMA) as one or several generations, NEWEST FIRST (the order
 * the decoder tries them in):
 * - a schema file, or a directory holding `.avsc`/`.json` files: one generation (as before
 *   generations existed; subdirectories of such a directory are ignored);
 * - a directory holding no schema files but subdirectories: one generation per subdirectory (its
 *   schema files load in lexical order into that generation's own registry). Names starting with
 *   `.` are skipped. Newest is the name that sorts last in natural order (digit runs compare as
 *   numbers: `v10` is newer than `v9`), so `schemas/v6`, `schemas/v7` try v7 first.
 *
 * @throws SchemaLoadError naming the file or directory at fault.
 */
export async function loadSchemaGenerations(path: string): Promise<SchemaGeneration[]> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new SchemaLoadError(path, `Expected an Avro schema file or directory at ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (!info.isDirectory()) return [generation(basename(path).replace(SCHEMA_FILE, ''), await loadSchemaRegistry(path))];

  const entries = await readdir(path, { withFileTypes: true });
  if (entries.some((entry) => entry.isFile() && SCHEMA_FILE.test(entry.name))) {
    return [generation(basename(path), await loadSchemaRegistry(path))];
  }
  const names: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    // A symbolic link to a generation directory counts (a ConfigMap mounts files as links).
    if (entry.isDirectory() || (entry.isSymbolicLink() && (await stat(join(path, entry.name)).catch(() => undefined))?.isDirectory())) {
      names.push(entry.name);
    }
  }
  if (names.length === 0) {
    const seen = entries.map((entry) => entry.name).join(', ') || 'nothing';
    throw new SchemaLoadError(
      path,
      `Expected .avsc or .json schema files in directory ${path}, or one subdirectory per schema generation (e.g. v6/, v7/), found ${seen}`,
    );
  }
  names.sort(compareNatural).reverse();
  const generations: SchemaGeneration[] = [];
  for (const name of names) generations.push(generation(name, await loadSchemaRegistry(join(path, name))));
  return generations;
}

function generation(name: string, registry: SchemaRegistry): SchemaGeneration {
  const match = VERSIONED_NAME.exec(name);
  return { name, version: match ? Number(match[1]) : undefined, registry };
}

/** Natural order, locale-independent: digit runs compare by value, everything else by code unit. */
export function compareNatural(a: string, b: string): number {
  const parts = (s: string) => s.match(/\d+|\D+/g) ?? [];
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i]!;
    const q = y[i]!;
    if (p === q) continue;
    const pn = /^\d/.test(p);
    const qn = /^\d/.test(q);
    if (pn && qn) {
      const diff = BigInt(p) - BigInt(q);
      if (diff !== 0n) return diff < 0n ? -1 : 1;
      return p.length - q.length; // "07" after "7": same value, stable order
    }
    return p < q ? -1 : 1;
  }
  return x.length - y.length;
}
