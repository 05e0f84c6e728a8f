import type avro from 'avsc';

import type { SchemaRegistry } from './schema-registry.js';

/**
 * What one Kafka message value turned out to be. `value` is the avsc-decoded record (longs are
 * `bigint`, `fixed` is a `Buffer`; see `SchemaRegistry`). A malformed event is still backed up
 * byte for byte by the caller; the reason is for the log.
 */
export type DecodeOutcome =
  | { kind: 'decoded'; typeName: string; value: unknown }
  | { kind: 'malformed'; code: MalformedEventCode; reason: string };

/**
 * Why a value is not an event, as a stable code for logs and alerting (the reason says the
 * details): the value is null or empty, some configured type decodes a prefix of it but bytes are
 * left over, or no configured type decodes it at all.
 */
export const MALFORMED_EVENT_CODES = ['EVENT_VALUE_NULL', 'EVENT_VALUE_EMPTY', 'EVENT_TRAILING_BYTES', 'EVENT_NOT_DECODABLE'] as const;
export type MalformedEventCode = (typeof MALFORMED_EVENT_CODES)[number];

export interface EventDecoder {
  /** Never throws: every failure, including hostile input, is a `malformed` outcome. */
  decode(value: Buffer | null): DecodeOutcome;
}

/**
 * Decodes raw Avro datums (one record in the platform's binary encoding, no object container
 * header) by trying `typeNames` in order; the first type that accounts for EVERY byte wins. Partial
 * consumption means "not this type": a `BinaryEvent` prefix can parse inside other payloads.
 *
 * @throws Error at construction when `typeNames` is empty or names a type the registry lacks, so a
 *   misconfiguration fails at startup rather than turning every event into `malformed`.
 */
export interface EventDecoderOptions {
  /**
   * A reader type for a writer type: the decoded value then holds only its fields (avsc resolves
   * the writer's bytes to it and skips the rest; the structural scan still checks every byte
   * against the writer type). The backup's inspection passes `referenceReaderType`: it reads only
   * the stream references. A reader avsc cannot build or resolve falls back to the writer type.
   */
  readonly readerOf?: (writer: avro.Type) => avro.Type;
}

export function createEventDecoder(registry: SchemaRegistry, typeNames: readonly string[], options: EventDecoderOptions = {}): EventDecoder {
  if (typeNames.length === 0) {
    throw new Error(
      `Expected at least one Avro type name to decode events with, got none; the schema defines ${listNames(registry.typeNames)}`,
    );
  }
  const candidates = typeNames.map((name) => {
    const type = registry.type(name);
    if (type === undefined) {
      throw new Error(
        `Expected an Avro type name the schema defines, got ${JSON.stringify(name)}; known names: ${listNames(registry.typeNames)}`,
      );
    }
    return { name, type, read: readerFor(type, options.readerOf) };
  });

  return {
    decode(value: Buffer | null): DecodeOutcome {
      if (value === null) return { kind: 'malformed', code: 'EVENT_VALUE_NULL', reason: 'message value is null (a tombstone), expected an Avro datum' };
      if (value.length === 0) return { kind: 'malformed', code: 'EVENT_VALUE_EMPTY', reason: 'message value is empty (0 bytes), expected an Avro datum' };

      const misses: string[] = [];
      let trailing = false;
      for (const { name, type, read } of candidates) {
        const attempt = decodeExactly(type, read, value);
        if (attempt.kind === 'decoded') return { kind: 'decoded', typeName: name, value: attempt.value };
        misses.push(`${name}: ${attempt.reason}`);
        trailing ||= attempt.trailing === true;
      }
      return {
        kind: 'malformed',
        code: trailing ? 'EVENT_TRAILING_BYTES' : 'EVENT_NOT_DECODABLE',
        reason: `${value.length}-byte value is not a complete ${candidates.map((c) => c.name).join(' or ')} datum (${misses.join('; ')})`,
      };
    },
  };
}

type Read = (buf: Buffer) => { value: unknown; offset: number };

function readerFor(writer: avro.Type, readerOf: EventDecoderOptions['readerOf']): Read {
  if (readerOf !== undefined) {
    try {
      const reader = readerOf(writer);
      const resolver = reader.createResolver(writer);
      return (buf) => reader.decode(buf, 0, resolver);
    } catch {
      // Not a reason to refuse the schema: the writer type reads everything, only slower.
    }
  }
  return (buf) => writer.decode(buf, 0);
}

function decodeExactly(type: avro.Type, read: Read, buf: Buffer): { kind: 'decoded'; value: unknown } | { kind: 'miss'; reason: string; trailing?: true } {
  try {
    // avsc trusts block counts: a 5-byte value claiming 2^27 array items keeps it busy for seconds
    // and gigabytes before it notices the buffer ended. The scan checks every count and length
    // against the bytes actually present first, so hostile input costs O(its size).
    const scan = scanDatum(type, buf);
    if (scan.kind === 'invalid') return { kind: 'miss', reason: scan.reason };
    if (scan.end !== buf.length) {
      return { kind: 'miss', reason: `a datum ends after ${scan.end} bytes, leaving ${buf.length - scan.end} trailing bytes`, trailing: true };
    }
    const { value, offset } = read(buf);
    if (offset !== buf.length) {
      return { kind: 'miss', reason: `avsc stopped at offset ${offset} of ${buf.length} bytes` };
    }
    return { kind: 'decoded', value: value as unknown };
  } catch (error) {
    // Deep recursion (RangeError) or an avsc complaint: still only "not this type".
    return { kind: 'miss', reason: error instanceof Error ? error.message : String(error) };
  }
}

function listNames(names: readonly string[]): string {
  return names.length === 0 ? '(no named types)' : names.join(', ');
}

// --- Bounds-checked structural scan of one Avro datum ------------------------------------------

type Scan = { kind: 'valid'; end: number } | { kind: 'invalid'; reason: string };

/**
 * Items that occupy no bytes (`null`, empty records) can be claimed in any number without running
 * out of buffer, so their count is capped per datum instead. No platform schema has such items.
 */
const MAX_ZERO_SIZE_ITEMS = 1 << 20;

// avsc types are immutable once built, so their minimum sizes can be shared by every decoder.
const MIN_SIZES = new WeakMap<avro.Type, number>();

class DatumScanner {
  #buf: Buffer;
  #pos = 0;
  #zeroSizeItems = 0;
  // Where the walk is, kept as a stack and formatted only on failure: building a path string for
  // every field of every event would triple the cost of a scan.
  #path: Array<string | number> = [];

  constructor(buf: Buffer) {
    this.#buf = buf;
  }

  get pos(): number {
    return this.#pos;
  }

  /** Walks `type` from the current position; throws ScanError with a path-qualified reason. */
  walk(type: avro.Type): void {
    const t = type as avro.Type & Record<string, unknown>;
    switch (type.typeName) {
      case 'null':
        return;
      case 'boolean': {
        const byte = this.#buf[this.#pos];
        this.#skip(1);
        // Avro writes exactly 0 or 1; anything else means we are reading some other type's bytes.
        if (byte !== 0 && byte !== 1) this.#fail(`boolean byte is 0x${byte?.toString(16)}, expected 0 or 1`);
        return;
      }
      case 'int':
        this.#varint(5);
        return;
      case 'long':
      case 'abstract:long':
        this.#varint(10);
        return;
      case 'float':
        this.#skip(4);
        return;
      case 'double':
        this.#skip(8);
        return;
      case 'bytes':
      case 'string': {
        const length = this.#varint(10);
        if (length < 0) this.#fail(`${type.typeName} length is ${length}, expected 0 or more`);
        this.#skip(length);
        return;
      }
      case 'fixed':
        this.#skip(t['size'] as number);
        return;
      case 'enum': {
        const symbols = t['symbols'] as string[];
        const index = this.#varint(5);
        if (index < 0 || index >= symbols.length) this.#fail(`enum index ${index}, expected 0 to ${symbols.length - 1}`);
        return;
      }
      case 'array': {
        const items = t['itemsType'] as avro.Type;
        this.#blocks(items, (i) => {
          this.#path.push(i);
          this.walk(items);
          this.#path.pop();
        });
        return;
      }
      case 'map': {
        const values = t['valuesType'] as avro.Type;
        this.#blocks(values, (i) => {
          this.#path.push(`{${i}}`);
          this.walk(STRING_KEY);
          this.walk(values);
          this.#path.pop();
        });
        return;
      }
      case 'record':
      case 'error':
        for (const field of t['fields'] as Array<{ name: string; type: avro.Type }>) {
          this.#path.push(field.name);
          this.walk(field.type);
          this.#path.pop();
        }
        return;
      case 'union:unwrapped':
      case 'union:wrapped': {
        const branches = t['types'] as avro.Type[];
        const index = this.#varint(5);
        const branch = branches[index];
        if (branch === undefined) this.#fail(`union branch ${index}, expected 0 to ${branches.length - 1}`);
        this.walk(branch as avro.Type);
        return;
      }
      default:
        if (type.typeName.startsWith('logical:')) {
          this.walk(t['underlyingType'] as avro.Type);
          return;
        }
        this.#fail(`cannot check Avro type ${type.typeName}`);
    }
  }

  #blocks(itemType: avro.Type, visit: (index: number) => void): void {
    const itemSize = this.#minSize(itemType);
    let index = 0;
    for (;;) {
      let count = this.#varint(10);
      if (count === 0) return;
      if (count < 0) {
        // A negative count is followed by the block's size in bytes (lets readers skip it).
        count = -count;
        const bytes = this.#varint(10);
        if (bytes < 0 || bytes > this.#remaining) this.#fail(`block claims ${bytes} bytes, only ${this.#remaining} remain`);
      }
      if (itemSize > 0 && count > this.#remaining / itemSize) {
        this.#fail(`block claims ${count} items of at least ${itemSize} bytes each, only ${this.#remaining} bytes remain`);
      }
      if (itemSize === 0) {
        this.#zeroSizeItems += count;
        if (this.#zeroSizeItems > MAX_ZERO_SIZE_ITEMS) this.#fail(`more than ${MAX_ZERO_SIZE_ITEMS} zero-byte items in one datum`);
      }
      for (let i = 0; i < count; i++) visit(index++);
    }
  }

  #fail(message: string): never {
    const where = this.#path
      .map((segment) => (typeof segment === 'number' ? `[${segment}]` : segment.startsWith('{') ? segment : `.${segment}`))
      .join('');
    throw new ScanError(`$${where}: ${message}`);
  }

  /** Fewest bytes one value of `type` can occupy; recursive references count as 0 (a safe under-estimate). */
  #minSize(type: avro.Type): number {
    const known = MIN_SIZES.get(type);
    if (known !== undefined) return known;
    MIN_SIZES.set(type, 0);
    const t = type as avro.Type & Record<string, unknown>;
    let size: number;
    switch (type.typeName) {
      case 'null':
        size = 0;
        break;
      case 'float':
        size = 4;
        break;
      case 'double':
        size = 8;
        break;
      case 'fixed':
        size = t['size'] as number;
        break;
      case 'record':
      case 'error':
        size = (t['fields'] as Array<{ type: avro.Type }>).reduce((sum, field) => sum + this.#minSize(field.type), 0);
        break;
      default:
        if (type.typeName.startsWith('logical:')) {
          size = this.#minSize(t['underlyingType'] as avro.Type);
        } else {
          // boolean, int, long, bytes, string, enum, array, map, union: at least one varint byte.
          size = 1;
        }
    }
    MIN_SIZES.set(type, size);
    return size;
  }

  get #remaining(): number {
    return this.#buf.length - this.#pos;
  }

  #skip(length: number): void {
    if (length > this.#remaining) this.#fail(`needs ${length} bytes at offset ${this.#pos}, only ${this.#remaining} remain`);
    this.#pos += length;
  }

  /** Zigzag varint as a number; beyond 2^53 it is approximate, which is enough for counts and lengths. */
  #varint(maxBytes: number): number {
    let unsigned = 0;
    let scale = 1;
    for (let i = 0; i < maxBytes; i++) {
      const byte = this.#buf[this.#pos];
      if (byte === undefined) this.#fail(`varint runs past the end at offset ${this.#pos}`);
      this.#pos++;
      unsigned += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return unsigned % 2 === 0 ? unsigned / 2 : -(unsigned + 1) / 2;
      scale *= 128;
    }
    this.#fail(`varint longer than ${maxBytes} bytes at offset ${this.#pos}`);
  }
}

const STRING_KEY = { typeName: 'string' } as avro.Type;

class ScanError extends Error {}

function scanDatum(type: avro.Type, buf: Buffer): Scan {
  const scanner = new DatumScanner(buf);
  try {
    scanner.walk(type);
    return { kind: 'valid', end: scanner.pos };
  } catch (error) {
    if (error instanceof ScanError) return { kind: 'invalid', reason: error.message };
    throw error;
  }
}
