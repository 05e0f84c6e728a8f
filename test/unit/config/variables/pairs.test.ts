import { describe, expect, it } from 'vitest';
import { configOf, problemOf, valueOf } from '../../../helpers/config-variables.js';

describe('pair variables', () => {
  it('default to samples and testing times the five binary actions, plus system/insert and system/delete, on {source}.{event}', () => {
    const c = configOf();
    expect({ sources: c.SOURCES, eventTypes: c.EVENT_TYPES, extra: c.EXTRA_PAIRS, template: c.TOPIC_TEMPLATE, extraTemplate: c.EXTRA_PAIRS_TOPIC_TEMPLATE, topics: c.TOPICS, file: c.SOURCES_FILE }).toEqual({
      sources: ['samples', 'testing'],
      eventTypes: ['sourced', 'extracted', 'augmented', 'mapped', 'enriched'],
      extra: ['system/insert', 'system/delete'],
      template: '{source}.{event}',
      extraTemplate: '',
      topics: '',
      file: '',
    });
  });

  it('take an empty list as empty (no pairs from it), not as the default', () => {
    const c = configOf({ SOURCES: '', EVENT_TYPES: '', EXTRA_PAIRS: 'a/b' });
    expect([c.SOURCES, c.EVENT_TYPES, c.EXTRA_PAIRS]).toEqual([[], [], ['a/b']]);
    expect(c.pairs).toEqual([{ source: 'a', event: 'b', topic: 'a.b' }]);
  });

  it('take a topic template with {source} or {event}, and refuse one with neither', () => {
    expect(configOf({ TOPIC_TEMPLATE: 'azul.{event}', SOURCES: 'samples' }).pairs).toContainEqual({ source: 'samples', event: 'sourced', topic: 'azul.sourced' });
    expect(valueOf('TOPIC_TEMPLATE', ' {source}.{event}.v2 ')).toBe('{source}.{event}.v2');
    expect(problemOf('TOPIC_TEMPLATE', 'fixed-topic')).toEqual({
      variable: 'STREAMVAULT_TOPIC_TEMPLATE',
      expected: 'expected a template containing {source} and/or {event}, such as {source}.{event}',
      received: '"fixed-topic"',
    });
  });

  it('take an extra-pairs template that is empty (the topic template) or has a placeholder', () => {
    expect(configOf({ EXTRA_PAIRS_TOPIC_TEMPLATE: 'azul.system.{event}' }).pairs).toContainEqual({ source: 'system', event: 'insert', topic: 'azul.system.insert' });
    expect(problemOf('EXTRA_PAIRS_TOPIC_TEMPLATE', 'system').expected).toBe('expected empty, or a template containing {source} and/or {event}, such as {source}.{event}');
  });
});
