import { z } from 'zod';
import { DEFAULT_EVENT_TYPE_MAP, parseEventTypeMap, type EventTypeMap } from '../event-type-map.js';
import { DEFAULT_REFERENCE_LAYOUT, parseReferenceLayout, type ReferenceLayout } from '../reference-layout.js';
import { text, variable } from '../variable.js';

const eventTypeMap = () =>
  z.string().transform((raw, ctx): EventTypeMap => {
    const parsed = parseEventTypeMap(raw);
    if (parsed.kind === 'parsed') return parsed.map;
    for (const message of parsed.errors) ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  });

const referenceLayout = () =>
  z.string().transform((raw, ctx): ReferenceLayout => {
    const parsed = parseReferenceLayout(raw);
    if (parsed.kind === 'parsed') return parsed.layout;
    for (const message of parsed.errors) ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  });

export const schemaVariables = {
  EVENT_SCHEMA: variable({
    name: 'EVENT_SCHEMA',
    schema: text(),
    default: '',
    group: 'schema',
    description:
      'Avro schema file, a directory of schema files (loaded in lexical order into one registry), or a directory of schema generations: no schema files, one subdirectory per generation (e.g. `v6/`, `v7/`), each its own registry, tried newest first (natural order of the names, last is newest); an event is malformed only when no generation decodes it exactly, and a generation whose name carries the event\'s `model_version` wins a tie. Used only to understand events (validity, stream references); events are always backed up byte for byte. Empty: events are not decoded and no streams are found.',
  }),
  EVENT_TYPE_MAP: variable({
    name: 'EVENT_TYPE_MAP',
    schema: eventTypeMap(),
    default: DEFAULT_EVENT_TYPE_MAP,
    group: 'schema',
    description:
      'Avro types an event type may hold, tried in order: `event=Type|Type`, comma-separated; `*` is every other event type. The default maps every model the platform publishes (insert, delete, download, plugin, retrohunt, status: the model and its bulk wrapper) and decodes every other event type (the binary actions) as `BinaryEvent|BulkBinaryEvent`. A backup location accepts a map that only appends types for its pairs\' event types. When most events of a pair do not decode, one error line (`most events of this pair do not decode`) names this setting and STREAMVAULT_EVENT_SCHEMA.',
  }),
  STREAM_REFERENCE_LAYOUT: variable({
    name: 'STREAM_REFERENCE_LAYOUT',
    schema: referenceLayout(),
    default: DEFAULT_REFERENCE_LAYOUT,
    group: 'schema',
    description:
      'Where a decoded event names its streams: `|`-separated alternatives of `source=path; streams=path[]; label=path; sha256=path`, plus an optional `bulk=path[]` wrapper. `streams` may go through arrays of nested items (`entity.results[].entity.datastreams[]`), and `source` through the same arrays to read each nested item\'s own source (`entity.results[].source.name`); without `[]` it is read from the event. The default is the platform\'s layout: binary events, inserts, and status events\' input and results. A backup location accepts a layout that only appends alternatives.',
  }),
};
