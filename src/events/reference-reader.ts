import avro from 'avsc';
import type { FieldPath, ReferenceLayout } from '../config/reference-layout.js';
import { bigintLongType } from './schema-registry.js';
import { MODEL_VERSION_FIELD } from './generation-decoder.js';

/**
 * What of a value is read: all of it (`true`), or some fields of a record, each with what of it is
 * read. Arrays and unions pass a need on to their items and branches.
 */
type Need = true | Map<string, Need>;

/**
 * A reader type for `writer` that keeps only the fields the stream references and the model
 * version are read from (`layout`), for the backup's inspection of every event. avsc resolves the
 * writer's bytes to it and skips every other field without building it: no strings decoded, no
 * objects allocated for the rest of an event. What `extractStreamReferences` finds in the pruned
 * value is what it finds in the whole one, because every path it follows is kept whole from the
 * point where the layout stops naming fields (a label, a sha256, a source name).
 *
 * Records are named in Avro, so what is kept of a record is decided per name, over every place
 * the layout reaches it (a type used in two places keeps the fields of both). A record the
 * layout reaches without naming a field of it keeps no field; its bytes are still read through.
 */
export function referenceReaderType(writer: avro.Type, layout: ReferenceLayout): avro.Type {
  const eventNeed = needOfEvent(layout);
  const root = layout.bulk === undefined ? eventNeed : merge(eventNeed, needAt(layout.bulk, eventNeed));
  const needs = new Map<string, Map<string, Need>>();
  const whole = new Set<string>();
  collect(writer, root, needs, whole);
  const registry: Record<string, avro.Type> = {};
  const schema = emit(writer, needs, whole, new Set(), registry);
  return avro.Type.forSchema(schema as avro.Schema, {
    registry: { ...registry, long: bigintLongType } as never,
    typeHook: (node: avro.Schema) => (node === 'long' || (typeof node === 'object' && (node as { type?: unknown }).type === 'long') ? bigintLongType : undefined),
  } as unknown as avro.ForSchemaOptions);
}

function needOfEvent(layout: ReferenceLayout): Need {
  let need: Need = new Map([[MODEL_VERSION_FIELD, true as Need]]);
  for (const alternative of layout.alternatives) {
    const entry = merge(needAt(alternative.label, true), needAt(alternative.sha256, true));
    const through = alternative.through ?? [];
    const sourceDepth = alternative.sourceDepth ?? 0;
    // Innermost first: the streams of the innermost item, then each array of `through` around it;
    // the source is read from the item at sourceDepth.
    let item: Need = needAt(alternative.streams, entry);
    if (sourceDepth === through.length) item = merge(item, needAt(alternative.source, true));
    for (let depth = through.length - 1; depth >= 0; depth--) {
      item = needAt(through[depth]!, item);
      if (depth === sourceDepth) item = merge(item, needAt(alternative.source, true));
    }
    need = merge(need, item);
  }
  return need;
}

function needAt(path: FieldPath, leaf: Need): Need {
  let need = leaf;
  for (let i = path.length - 1; i >= 0; i--) need = new Map([[path[i]!, need]]);
  return need;
}

function merge(a: Need, b: Need): Need {
  if (a === true || b === true) return true;
  const out = new Map(a);
  for (const [name, need] of b) out.set(name, out.has(name) ? merge(out.get(name)!, need) : need);
  return out;
}

type AnyType = avro.Type & Record<string, unknown>;

function collect(type: avro.Type, need: Need, needs: Map<string, Map<string, Need>>, whole: Set<string>): void {
  const t = type as AnyType;
  switch (type.typeName) {
    case 'record':
    case 'error': {
      // What is kept is decided per name; an anonymous record (avsc allows them) has none. The
      // decoder then reads with the writer type (event-decoder.ts, readerFor).
      if (type.name === undefined) throw new Error('expected named records on the layout\'s paths, got an anonymous one');
      const name = type.name;
      if (whole.has(name)) return;
      if (need === true) {
        whole.add(name);
        return;
      }
      const before = needs.get(name);
      const merged = before === undefined ? need : (merge(before, need) as Map<string, Need>);
      if (before !== undefined && sameNeed(before, merged)) return;
      needs.set(name, merged);
      for (const field of t['fields'] as Array<{ name: string; type: avro.Type }>) {
        const fieldNeed = merged.get(field.name);
        if (fieldNeed !== undefined) collect(field.type, fieldNeed, needs, whole);
      }
      return;
    }
    case 'array':
      collect(t['itemsType'] as avro.Type, need, needs, whole);
      return;
    case 'map':
      collect(t['valuesType'] as avro.Type, true, needs, whole);
      return;
    case 'union:unwrapped':
      for (const branch of t['types'] as avro.Type[]) collect(branch, need, needs, whole);
      return;
    case 'union:wrapped':
      // avsc wraps a union it cannot tell apart by value (two records): the value is then
      // `{BranchName: value}`, and a layout path names the branch as a field. Read whole.
      for (const branch of t['types'] as avro.Type[]) collect(branch, true, needs, whole);
      return;
    default:
      return; // primitives, enums, fixed, logical types: read whole
  }
}

function sameNeed(a: Need, b: Need): boolean {
  if (a === true || b === true) return a === b;
  if (a.size !== b.size) return false;
  for (const [name, need] of a) {
    const other = b.get(name);
    if (other === undefined || !sameNeed(need, other)) return false;
  }
  return true;
}

function emit(type: avro.Type, needs: Map<string, Map<string, Need>>, whole: Set<string>, emitted: Set<string>, registry: Record<string, avro.Type>): unknown {
  const t = type as AnyType;
  switch (type.typeName) {
    case 'record':
    case 'error': {
      const name = type.name!;
      const need = needs.get(name);
      if (whole.has(name) || need === undefined) {
        // Read whole: the writer's own type, by name.
        registry[name] = type;
        return name;
      }
      if (emitted.has(name)) return name;
      emitted.add(name);
      const fields = (t['fields'] as Array<{ name: string; type: avro.Type }>)
        .filter((field) => need.has(field.name))
        .map((field) => ({ name: field.name, type: emit(field.type, needs, whole, emitted, registry) }));
      return { type: type.typeName, name, fields };
    }
    case 'array':
      return { type: 'array', items: emit(t['itemsType'] as avro.Type, needs, whole, emitted, registry) };
    case 'map':
      return { type: 'map', values: emit(t['valuesType'] as avro.Type, needs, whole, emitted, registry) };
    case 'union:unwrapped':
    case 'union:wrapped':
      return (t['types'] as avro.Type[]).map((branch) => emit(branch, needs, whole, emitted, registry));
    default:
      if (type.name !== undefined) {
        registry[type.name] = type;
        return type.name;
      }
      return type.schema({ exportAttrs: true });
  }
}
