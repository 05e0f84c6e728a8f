import { list, nonEmptyText, text, variable } from '../variable.js';

export const pairVariables = {
  SOURCES: variable({
    name: 'SOURCES',
    schema: list(),
    emptyIsValue: true,
    default: 'samples,testing',
    group: 'pairs',
    description:
      'Sources to back up; each is paired with every event type in STREAMVAULT_EVENT_TYPES. Setting it together with STREAMVAULT_SOURCES_FILE is a configuration error.',
  }),
  SOURCES_FILE: variable({
    name: 'SOURCES_FILE',
    schema: text(),
    default: '',
    group: 'pairs',
    description:
      "The platform's sources YAML (`sources: {name: {exclude_from_backup, expire_events_after, ...}}`), instead of STREAMVAULT_SOURCES: every source not `exclude_from_backup: true` is backed up. `expire_events_after` is validated (`0` or `N days|weeks|months|years`) and otherwise not used. Empty: STREAMVAULT_SOURCES.",
  }),
  EVENT_TYPES: variable({
    name: 'EVENT_TYPES',
    schema: list(),
    emptyIsValue: true,
    default: 'sourced,extracted,augmented,mapped,enriched',
    group: 'pairs',
    description: 'Event types paired with every source (of STREAMVAULT_SOURCES, or those STREAMVAULT_SOURCES_FILE backs up).',
  }),
  EXTRA_PAIRS: variable({
    name: 'EXTRA_PAIRS',
    schema: list(),
    emptyIsValue: true,
    default: 'system/insert,system/delete',
    group: 'pairs',
    description: 'Further `source/event` pairs outside the cross product, comma-separated.',
  }),
  TOPIC_TEMPLATE: variable({
    name: 'TOPIC_TEMPLATE',
    schema: nonEmptyText().refine((s) => s.includes('{source}') || s.includes('{event}'), {
      message: 'expected a template containing {source} and/or {event}, such as {source}.{event}',
    }),
    default: '{source}.{event}',
    group: 'pairs',
    description: 'Kafka topic of a pair, from `{source}` and `{event}`.',
  }),
  EXTRA_PAIRS_TOPIC_TEMPLATE: variable({
    name: 'EXTRA_PAIRS_TOPIC_TEMPLATE',
    schema: text().refine((s) => s === '' || s.includes('{source}') || s.includes('{event}'), {
      message: 'expected empty, or a template containing {source} and/or {event}, such as {source}.{event}',
    }),
    default: '',
    group: 'pairs',
    description:
      'Kafka topic of a pair that comes only from STREAMVAULT_EXTRA_PAIRS, from `{source}` and `{event}`. Empty: STREAMVAULT_TOPIC_TEMPLATE.',
  }),
  TOPICS: variable({
    name: 'TOPICS',
    schema: text(),
    default: '',
    group: 'pairs',
    description:
      'Explicit topics that override the template, as `source/event=topic`, comma-separated (e.g. `system/insert=azul.insert`).',
  }),
};
