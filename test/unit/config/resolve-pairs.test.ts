import { describe, expect, it } from 'vitest';
import { resolvePairs, type PairSettings } from '../../../src/config/resolve-pairs.js';

const settings = (over: Partial<PairSettings> = {}): PairSettings => ({
  sources: ['samples'],
  eventTypes: ['sourced', 'extracted'],
  extraPairs: [],
  topicTemplate: '{source}.{event}',
  topics: '',
  ...over,
});

describe('resolvePairs', () => {
  it('pairs every source with every event type, then the extra pairs, each on its template', () => {
    expect(resolvePairs(settings({ sources: ['samples', 'testing'], extraPairs: ['system/insert'], extraPairsTopicTemplate: 'sys.{event}' }))).toEqual({
      ok: true,
      pairs: [
        { source: 'samples', event: 'sourced', topic: 'samples.sourced' },
        { source: 'samples', event: 'extracted', topic: 'samples.extracted' },
        { source: 'testing', event: 'sourced', topic: 'testing.sourced' },
        { source: 'testing', event: 'extracted', topic: 'testing.extracted' },
        { source: 'system', event: 'insert', topic: 'sys.insert' },
      ],
    });
  });

  it('keeps one pair of a duplicate, and the cross product\'s template for an extra pair that is in it too', () => {
    const result = resolvePairs(settings({ eventTypes: ['sourced', 'sourced'], extraPairs: [' samples / sourced ', 'system/insert', 'system/insert'], extraPairsTopicTemplate: 'sys.{source}.{event}' }));
    expect(result).toEqual({
      ok: true,
      pairs: [
        { source: 'samples', event: 'sourced', topic: 'samples.sourced' },
        { source: 'system', event: 'insert', topic: 'sys.system.insert' },
      ],
    });
  });

  it('gives a pair named in topics that topic over its template', () => {
    const result = resolvePairs(settings({ topics: ' samples/sourced = azul.sourced , ' }));
    expect(result.ok && result.pairs[0]).toEqual({ source: 'samples', event: 'sourced', topic: 'azul.sourced' });
  });

  it('reports every problem at once, naming the variable, what was expected and what arrived', () => {
    const result = resolvePairs(settings({ extraPairs: ['nosslash', 'a/b/c', '/x', ' /x', 'x/ '], topics: 'samples/sourced,samples/extracted=bad topic,x=y=z,other/pair=t, /y=t' }));
    expect(result).toEqual({
      ok: false,
      problems: [
        'STREAMVAULT_EXTRA_PAIRS: expected source/event, got "nosslash"',
        'STREAMVAULT_EXTRA_PAIRS: expected source/event, got "a/b/c"',
        'STREAMVAULT_EXTRA_PAIRS: expected source/event, got "/x"',
        // Empty once trimmed: refused for the form, like "/x" (not later, for an empty source name).
        'STREAMVAULT_EXTRA_PAIRS: expected source/event, got " /x"',
        'STREAMVAULT_EXTRA_PAIRS: expected source/event, got "x/ "',
        'STREAMVAULT_TOPICS: expected source/event=topic, got "samples/sourced"',
        'STREAMVAULT_TOPICS: expected source/event=topic, got "samples/extracted=bad topic"',
        'STREAMVAULT_TOPICS: expected source/event=topic, got "x=y=z"',
        'STREAMVAULT_TOPICS: expected source/event=topic, got "/y=t"',
        'STREAMVAULT_TOPICS: other/pair is not a configured pair',
      ],
    });
  });

  it('refuses unsafe names and a template that makes an invalid topic', () => {
    const result = resolvePairs(settings({ sources: ['..', 'ok'], eventTypes: ['-x'], topicTemplate: '{source}/{event}' }));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([
      `source "..": expected letters, digits, '.', '_' or '-' (not starting with '.' or '-')`,
      `event type "-x": expected letters, digits, '.', '_' or '-' (not starting with '.' or '-')`,
      'topic of ../-x: expected a Kafka topic name ([A-Za-z0-9._-]), got "../-x"',
      `event type "-x": expected letters, digits, '.', '_' or '-' (not starting with '.' or '-')`,
      'topic of ok/-x: expected a Kafka topic name ([A-Za-z0-9._-]), got "ok/-x"',
    ]);
  });

  it('refuses two pairs on one topic, and no pairs at all', () => {
    expect(resolvePairs(settings({ topicTemplate: 'all.{source}' }))).toEqual({ ok: false, problems: ['topic all.samples is used by both samples/sourced and samples/extracted'] });
    expect(resolvePairs(settings({ sources: [] }))).toEqual({
      ok: false,
      problems: ['no source/event pairs: set STREAMVAULT_SOURCES (or STREAMVAULT_SOURCES_FILE) and STREAMVAULT_EVENT_TYPES, or STREAMVAULT_EXTRA_PAIRS'],
    });
  });
});
