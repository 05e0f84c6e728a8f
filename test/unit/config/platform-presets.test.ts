import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { PLATFORM_PRESETS, presetValues } from '../../../src/config/platform-presets.js';
import { variables } from '../../../src/config/variables/index.js';
import { DEFAULT_EVENT_TYPE_MAP, parseEventTypeMap } from '../../../src/config/event-type-map.js';
import { DEFAULT_REFERENCE_LAYOUT, parseReferenceLayout } from '../../../src/config/reference-layout.js';

const base = { STREAMVAULT_S3_BUCKET: 'backup-bucket' };
const azul = { ...base, STREAMVAULT_PLATFORM: 'azul', STREAMVAULT_PLATFORM_PREFIX: 'prod', STREAMVAULT_SOURCES: 'samples,watch' };

describe('STREAMVAULT_PLATFORM=azul', () => {
  it("names the topics as the platform does, and sets its type map, reference layout, stream API and restore order", () => {
    const result = loadConfig(azul);
    expect(result.ok, JSON.stringify(!result.ok && result.problems)).toBe(true);
    if (!result.ok) return;
    const c = result.config;
    const actions = ['sourced', 'extracted', 'augmented', 'mapped', 'enriched'];
    expect(c.pairs).toEqual([
      ...['samples', 'watch'].flatMap((source) => actions.map((event) => ({ source, event, topic: `azul.prod.${source}.binary.${event}` }))),
      { source: 'system', event: 'insert', topic: 'azul.prod.system.insert' },
      { source: 'system', event: 'delete', topic: 'azul.prod.system.delete' },
      { source: 'system', event: 'download', topic: 'azul.prod.system.download' },
      { source: 'system', event: 'plugin', topic: 'azul.prod.system.plugin' },
      { source: 'system', event: 'retrohunt', topic: 'azul.prod.system.retrohunt' },
      { source: 'system', event: 'status', topic: 'azul.prod.system.status' },
    ]);
    // By reference: the preset follows the defaults of the decoder.
    expect(c.EVENT_TYPE_MAP).toEqual((parseEventTypeMap(DEFAULT_EVENT_TYPE_MAP) as { map: unknown }).map);
    expect(c.STREAM_REFERENCE_LAYOUT).toEqual((parseReferenceLayout(DEFAULT_REFERENCE_LAYOUT) as { layout: unknown }).layout);
    expect(c.RESTORE_STREAM_URL_TEMPLATE).toBe('{base}/api/v3/stream/{source}/{label}?skip-identify=true&expected-sha256={sha256}');
    expect(c.RESTORE_STREAM_EXISTS_URL_TEMPLATE).toBe('{base}/api/v3/stream/{source}/{label}/{sha256}');
    expect(c.RESTORE_PAIR_ORDER.entries).toEqual([
      { source: 'system', event: 'insert' },
      { source: 'system', event: 'delete' },
      { source: 'system', event: '*' },
    ]);
  });

  it('lets every variable set explicitly win over the preset', () => {
    const result = loadConfig({
      ...azul,
      STREAMVAULT_EVENT_TYPES: 'sourced',
      STREAMVAULT_EXTRA_PAIRS: 'system/status',
      STREAMVAULT_TOPIC_TEMPLATE: 'mine.{source}.{event}',
      STREAMVAULT_EXTRA_PAIRS_TOPIC_TEMPLATE: 'sys.{event}',
      STREAMVAULT_TOPICS: 'watch/sourced=watch-topic',
      STREAMVAULT_RESTORE_STREAM_URL_TEMPLATE: '{base}/upload/{source}/{label}',
      STREAMVAULT_RESTORE_PAIR_ORDER: '',
    });
    expect(result.ok, JSON.stringify(!result.ok && result.problems)).toBe(true);
    if (!result.ok) return;
    expect(result.config.pairs).toEqual([
      { source: 'samples', event: 'sourced', topic: 'mine.samples.sourced' },
      { source: 'watch', event: 'sourced', topic: 'watch-topic' },
      { source: 'system', event: 'status', topic: 'sys.status' },
    ]);
    expect(result.config.RESTORE_STREAM_URL_TEMPLATE).toBe('{base}/upload/{source}/{label}');
    expect(result.config.RESTORE_PAIR_ORDER.entries).toEqual([]);
  });

  it('needs a usable prefix, and refuses an unknown platform, alongside every other problem', () => {
    const noPrefix = loadConfig({ STREAMVAULT_PLATFORM: 'azul', STREAMVAULT_BATCH_MAX_EVENTS: '0' });
    expect(noPrefix.ok).toBe(false);
    if (noPrefix.ok) return;
    expect(noPrefix.problems.map((p) => p.variable).sort()).toEqual(['STREAMVAULT_BATCH_MAX_EVENTS', 'STREAMVAULT_PLATFORM_PREFIX', 'STREAMVAULT_S3_BUCKET']);
    expect(noPrefix.problems.find((p) => p.variable === 'STREAMVAULT_PLATFORM_PREFIX')).toEqual({
      variable: 'STREAMVAULT_PLATFORM_PREFIX',
      expected: 'expected the platform\'s prefix (letters, digits, ".", "_" or "-") when STREAMVAULT_PLATFORM is azul',
      received: '(unset)',
    });
    const bad = loadConfig({ ...base, STREAMVAULT_PLATFORM: 'kafka-connect', STREAMVAULT_PLATFORM_PREFIX: 'a/b' });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.problems.map((p) => [p.variable, p.received])).toEqual([
      ['STREAMVAULT_PLATFORM', '"kafka-connect"'],
      ['STREAMVAULT_PLATFORM_PREFIX', '"a/b"'],
    ]);
  });

  it('sets only variables that exist', () => {
    for (const preset of Object.values(PLATFORM_PRESETS)) {
      for (const name of Object.keys(preset.values)) expect(Object.values(variables).some((v) => v.name === name), name).toBe(true);
    }
  });
});

describe('presetValues', () => {
  it('fills in every {prefix} and leaves the other placeholders for the pairs', () => {
    const preset = { name: 'p', description: '', values: { TOPIC_TEMPLATE: '{prefix}.{source}.{prefix}', EVENT_TYPES: 'a,b' } };
    expect(presetValues(preset, 'prod')).toEqual({ TOPIC_TEMPLATE: 'prod.{source}.prod', EVENT_TYPES: 'a,b' });
    expect(preset.values.TOPIC_TEMPLATE).toBe('{prefix}.{source}.{prefix}');
  });
});
