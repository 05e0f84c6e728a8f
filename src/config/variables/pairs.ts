import { list, nonEmptyText, text, variable } from '../variable.js';

export const pairVariables = {
  SOURCES: variable({
    name: 'SOURCES',
    schema: list(),
    emptyIsValue: true,
    default: 'samples,testing',
    group: 'pairs',
    description: 'Sources to back up; each is paired with every event type in STREAMVAULT_EVENT_TYPES.',
  }),
  EVENT_TYPES: variable({
    name: 'EVENT_TYPES',
    schema: list(),
    emptyIsValue: true,
    default: 'sourced,extracted,augmented,mapped,enriched',
    group: 'pairs',
    description: 'Event types paired with every source in STREAMVAULT_SOURCES.',
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
  TOPICS: variable({
    name: 'TOPICS',
    schema: text(),
    default: '',
    group: 'pairs',
    description:
      'Explicit topics that override the template, as `source/event=topic`, comma-separated (e.g. `system/insert=azul.insert`).',
  }),
};
