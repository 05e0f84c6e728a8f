import { describe, expect, it } from 'vitest';
import { formatProblems, loadConfig } from '../../../src/config/load-config.js';

const base = { STREAMVAULT_S3_BUCKET: 'backup-bucket' };

describe('loadConfig', () => {
  it('applies documented defaults', () => {
    const result = loadConfig(base);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const c = result.config;
    expect(c.BATCH_MAX_EVENTS).toBe(1000);
    expect(c.BATCH_MAX_AGE_SECONDS).toBe(600);
    expect(c.AVRO_CODEC).toBe('deflate');
    expect(c.KAFKA_BROKERS).toEqual(['localhost:9092']);
    // samples,testing x 5 event types + system/insert + system/delete
    expect(c.pairs).toHaveLength(12);
    expect(c.pairs).toContainEqual({ source: 'samples', event: 'sourced', topic: 'samples.sourced' });
    expect(c.pairs).toContainEqual({ source: 'system', event: 'delete', topic: 'system.delete' });
  });

  it('takes an empty list variable as empty, and other empty variables as their default', () => {
    const result = loadConfig({ ...base, STREAMVAULT_SOURCES: '', STREAMVAULT_EXTRA_PAIRS: 'a/b', STREAMVAULT_BATCH_MAX_EVENTS: '' });
    expect(result.ok && result.config.pairs).toEqual([{ source: 'a', event: 'b', topic: 'a.b' }]);
    expect(result.ok && result.config.BATCH_MAX_EVENTS).toBe(1000);
  });

  it('maps pairs to topics by template and by explicit entries', () => {
    const result = loadConfig({
      ...base,
      STREAMVAULT_SOURCES: 'samples',
      STREAMVAULT_EVENT_TYPES: 'sourced, extracted',
      STREAMVAULT_EXTRA_PAIRS: 'system/insert',
      STREAMVAULT_TOPIC_TEMPLATE: 'azul.{source}.{event}',
      STREAMVAULT_TOPICS: 'system/insert=azul.insert',
    });
    expect(result.ok && result.config.pairs).toEqual([
      { source: 'samples', event: 'sourced', topic: 'azul.samples.sourced' },
      { source: 'samples', event: 'extracted', topic: 'azul.samples.extracted' },
      { source: 'system', event: 'insert', topic: 'azul.insert' },
    ]);
  });

  it('reports every problem at once, naming the variable, what was expected and what arrived', () => {
    const result = loadConfig({
      STREAMVAULT_BATCH_MAX_EVENTS: '0',
      STREAMVAULT_BATCH_MAX_AGE_SECONDS: 'ten',
      STREAMVAULT_AVRO_CODEC: 'zip',
      STREAMVAULT_KAFKA_SSL: 'maybe',
      STREAMVAULT_EXTRA_PAIRS: 'nosslash',
      STREAMVAULT_TOPICS: 'system/insert',
      STREAMVAULT_BACTH_MAX_EVENTS: '5',
      STREAMVAULT_EVENT_TYPE_MAP: 'insert',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const byName = new Map(result.problems.map((p) => [p.variable, p]));
    expect(byName.get('STREAMVAULT_S3_BUCKET')?.received).toBe('(unset)');
    expect(byName.get('STREAMVAULT_BATCH_MAX_EVENTS')).toMatchObject({
      expected: 'expected an integer from 1 to 1000000',
      received: '"0"',
    });
    expect(byName.get('STREAMVAULT_BATCH_MAX_AGE_SECONDS')?.received).toBe('"ten"');
    expect(byName.get('STREAMVAULT_AVRO_CODEC')?.expected).toContain('deflate, null');
    expect(byName.get('STREAMVAULT_KAFKA_SSL')?.received).toBe('"maybe"');
    expect(byName.get('STREAMVAULT_EVENT_TYPE_MAP')?.expected).toMatch(/expected/);
    const pairProblems = result.problems.filter((p) => p.variable === 'pairs').map((p) => p.expected);
    expect(pairProblems.join('\n')).toMatch(/STREAMVAULT_EXTRA_PAIRS: expected source\/event, got "nosslash"/);
    expect(pairProblems.join('\n')).toMatch(/STREAMVAULT_TOPICS: expected source\/event=topic/);
    const text = formatProblems(result.problems);
    expect(text).toMatch(/^invalid configuration \(\d+ problems\)/);
  });

  it('reports unknown STREAMVAULT_ names without failing (Kubernetes injects service variables)', () => {
    const result = loadConfig({ ...base, STREAMVAULT_BACTH_MAX_EVENTS: '5', STREAMVAULT_SERVICE_HOST: '10.0.0.1' });
    expect(result.ok && result.unknownVariables).toEqual(['STREAMVAULT_BACTH_MAX_EVENTS', 'STREAMVAULT_SERVICE_HOST']);
  });

  it('never prints a secret value in a problem', () => {
    const result = loadConfig({ ...base, STREAMVAULT_S3_SECRET_ACCESS_KEY: 'hunter2-secret' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(formatProblems(result.problems)).not.toContain('hunter2');
  });

  it('refuses names that could escape a key prefix', () => {
    const result = loadConfig({ ...base, STREAMVAULT_SOURCES: '..,a/b', STREAMVAULT_EXTRA_PAIRS: '' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = formatProblems(result.problems);
    expect(text).toContain('source ".."');
  });
});
