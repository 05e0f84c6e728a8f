import { DEFAULT_REFERENCE_LAYOUT, parseReferenceLayout, type ReferenceLayout } from '../../src/config/reference-layout.js';

/** `text` parsed; throws with the parser's errors when it does not parse. */
export function layoutOf(text: string): ReferenceLayout {
  const result = parseReferenceLayout(text);
  if (result.kind !== 'parsed') throw new Error(`expected a valid layout, got: ${result.errors.join('; ')}`);
  return result.layout;
}

export const defaultLayout = layoutOf(DEFAULT_REFERENCE_LAYOUT);

/** DEFAULT_REFERENCE_LAYOUT before status events' streams were read (nested arrays). */
export const OLD_DEFAULT =
  'bulk=events[] | source=source.name; streams=entity.datastreams[]; label=label; sha256=sha256' +
  ' | source=entity.original_source; streams=entity.child.datastreams[]; label=label; sha256=sha256';

export const HASH_A = 'ee303d3c6d7cfa24d42e6348bdd1103a26de77a887e9dbee3dd1fe6304414f69';
export const HASH_B = 'b9debe8afbdc6d0f552ca4d41fc8a5760778f2724d1560f6b4b0fc28bd837a82';
