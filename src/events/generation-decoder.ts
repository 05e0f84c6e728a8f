import { createEventDecoder, type EventDecoder, type EventDecoderOptions, type MalformedEventCode } from './event-decoder.js';
import type { SchemaGeneration } from './schema-generations.js';

/** The platform model's version field: the first field of every event and bulk wrapper. */
export const MODEL_VERSION_FIELD = 'model_version';

export type GenerationDecodeOutcome =
  | { kind: 'decoded'; generation: string; typeName: string; value: unknown }
  | { kind: 'malformed'; code: MalformedEventCode; reason: string };

export interface GenerationDecoder {
  /** Generation names in the order they are tried (newest first). */
  readonly generations: readonly string[];
  /** Never throws: every failure, including hostile input, is a `malformed` outcome. */
  decode(value: Buffer | null): GenerationDecodeOutcome;
}

/**
 * Decodes a value with the generation it was written with. The rule (DEVELOPERS.md, "Schema
 * generations"):
 * 1. Generations are tried newest first (the order `loadSchemaGenerations` returns), each with the
 *    types `typeNames` lists that it defines, in the map's order.
 * 2. A generation decodes a value only when one of its types accounts for EVERY byte (createEventDecoder:
 *    a structural scan bounds every count and length, then avsc decodes; a prefix that parses
 *    leaves trailing bytes and does not count, nor does running out of bytes).
 * 3. When the decoded record has a `model_version` and the generation's name carries a number
 *    (`v6`), they must agree for the generation to win at once; an exact decode whose version
 *    disagrees is kept as a fallback while older generations are tried, and wins only when no
 *    generation decodes the value with an agreeing version (a platform may bump the schema without
 *    the number, or the other way round: the version is a tie-breaker, never a reason to reject).
 * 4. Malformed only when no generation decodes the value at all.
 *
 * @throws Error at construction when there are no generations or no type names, or a name is
 *   defined by no generation (a typo in the type map must fail at start, not turn every event
 *   malformed); a generation lacking some of the names simply does not try them.
 */
export function createGenerationDecoder(generations: readonly SchemaGeneration[], typeNames: readonly string[], options: EventDecoderOptions = {}): GenerationDecoder {
  if (generations.length === 0) throw new Error('Expected at least one schema generation to decode events with, got none');
  if (typeNames.length === 0) {
    throw new Error(`Expected at least one Avro type name to decode events with, got none; generations: ${generations.map((g) => g.name).join(', ')}`);
  }
  const undefinedNames = typeNames.filter((name) => !generations.some((g) => g.registry.type(name) !== undefined));
  if (undefinedNames.length > 0) {
    const known = [...new Set(generations.flatMap((g) => g.registry.typeNames))].sort();
    throw new Error(
      `Expected Avro type names the schema defines, got ${undefinedNames.map((n) => JSON.stringify(n)).join(', ')} defined by no generation (${generations.map((g) => g.name).join(', ')}); known names: ${known.join(', ')}`,
    );
  }
  const candidates: Array<{ generation: SchemaGeneration; decoder: EventDecoder }> = [];
  for (const generation of generations) {
    const names = typeNames.filter((name) => generation.registry.type(name) !== undefined);
    if (names.length > 0) candidates.push({ generation, decoder: createEventDecoder(generation.registry, names, options) });
  }
  const single = candidates.length === 1 && generations.length === 1;

  return {
    generations: generations.map((g) => g.name),
    decode(value) {
      let fallback: GenerationDecodeOutcome | undefined;
      const misses: string[] = [];
      let trailing = false;
      for (const { generation, decoder } of candidates) {
        const outcome = decoder.decode(value);
        if (outcome.kind === 'malformed') {
          // Null and empty values are the same for every generation.
          if (outcome.code === 'EVENT_VALUE_NULL' || outcome.code === 'EVENT_VALUE_EMPTY') return outcome;
          if (single) return outcome;
          misses.push(`generation ${generation.name}: ${outcome.reason}`);
          trailing ||= outcome.code === 'EVENT_TRAILING_BYTES';
          continue;
        }
        const decoded: GenerationDecodeOutcome = { kind: 'decoded', generation: generation.name, typeName: outcome.typeName, value: outcome.value };
        const version = modelVersion(outcome.value);
        if (generation.version === undefined || version === undefined || version === BigInt(generation.version)) return decoded;
        fallback ??= decoded;
      }
      if (fallback) return fallback;
      // As for types within one generation: trailing bytes when some generation decoded a prefix.
      return { kind: 'malformed', code: trailing ? 'EVENT_TRAILING_BYTES' : 'EVENT_NOT_DECODABLE', reason: `no schema generation decodes it (${misses.join('; ')})` };
    },
  };
}

function modelVersion(value: unknown): bigint | undefined {
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, MODEL_VERSION_FIELD)) return undefined;
  const version = (value as Record<string, unknown>)[MODEL_VERSION_FIELD];
  if (typeof version === 'bigint') return version;
  if (typeof version === 'number' && Number.isSafeInteger(version)) return BigInt(version);
  return undefined;
}
