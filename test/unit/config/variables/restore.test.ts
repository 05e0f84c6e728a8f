import { describe, expect, it } from 'vitest';
import { parsePairOrder } from '../../../../src/config/pair-order.js';
import { PLATFORM_STREAM_EXISTS_TEMPLATE, PLATFORM_STREAM_POST_TEMPLATE } from '../../../../src/config/platform-presets.js';
import { configOf, expectIntegerRange, expectOneOf, expectPositiveNumber, problemOf, valueOf } from '../../../helpers/config-variables.js';

describe('restore variables', () => {
  it("default to the backup's brokers, the original topics, the platform's stream API, and the system models first", () => {
    const c = configOf();
    expect({
      brokers: c.RESTORE_KAFKA_BROKERS,
      topicTemplate: c.RESTORE_TOPIC_TEMPLATE,
      streamTarget: c.RESTORE_STREAM_TARGET,
      postTemplate: c.RESTORE_STREAM_URL_TEMPLATE,
      existsTemplate: c.RESTORE_STREAM_EXISTS_URL_TEMPLATE,
      keyTemplate: c.RESTORE_STREAM_KEY_TEMPLATE,
      createTopics: c.RESTORE_CREATE_TOPICS,
      fewerPartitions: c.RESTORE_FEWER_PARTITIONS,
      idempotent: c.RESTORE_IDEMPOTENT_PRODUCER,
      concurrency: c.RESTORE_CONCURRENCY,
      batchEvents: c.RESTORE_PRODUCE_BATCH_EVENTS,
      batchBytes: c.RESTORE_PRODUCE_BATCH_BYTES,
      eventsPerSecond: c.RESTORE_EVENTS_PER_SECOND,
      bytesPerSecond: c.RESTORE_BYTES_PER_SECOND,
      hookTimeout: c.RESTORE_HOOK_TIMEOUT_SECONDS,
    }).toEqual({
      brokers: [],
      topicTemplate: '{topic}',
      streamTarget: 'http',
      postTemplate: PLATFORM_STREAM_POST_TEMPLATE,
      existsTemplate: PLATFORM_STREAM_EXISTS_TEMPLATE,
      keyTemplate: '{source}/{label}/{sha256}',
      createTopics: 'auto',
      fewerPartitions: 'refuse',
      idempotent: 'auto',
      concurrency: 8,
      batchEvents: 500,
      batchBytes: 900_000,
      eventsPerSecond: 0,
      bytesPerSecond: 0,
      hookTimeout: 300,
    });
    const order = parsePairOrder(['system/insert', 'system/delete', 'system/*']);
    expect(order.kind === 'parsed' && c.RESTORE_PAIR_ORDER).toEqual(order.kind === 'parsed' && order.order);
  });

  it('take a topic template with {topic}, {source} or {event}, and refuse one with none of them', () => {
    expect(valueOf('RESTORE_TOPIC_TEMPLATE', 'restored.{source}.{event}')).toBe('restored.{source}.{event}');
    expect(problemOf('RESTORE_TOPIC_TEMPLATE', 'restored').expected).toBe('expected a template using {topic}, {source} and/or {event}');
  });

  it('need {base} in the POST template, {base} and {sha256} in the existence GET, {sha256} in an S3 key, naming the placeholders', () => {
    expect(valueOf('RESTORE_STREAM_URL_TEMPLATE', '{base}/upload')).toBe('{base}/upload');
    expect(problemOf('RESTORE_STREAM_URL_TEMPLATE', 'http://x/{sha256}').expected).toBe('expected a template using {base} (placeholders: {base}, {source}, {label}, {sha256})');
    expect(problemOf('RESTORE_STREAM_EXISTS_URL_TEMPLATE', '{base}/streams').expected).toBe('expected a template using {base} and {sha256} (placeholders: {base}, {source}, {label}, {sha256})');
    expect(problemOf('RESTORE_STREAM_KEY_TEMPLATE', '{source}/{label}').expected).toBe('expected a template using {sha256} (placeholders: {source}, {label}, {sha256})');
    expect(problemOf('RESTORE_STREAM_KEY_TEMPLATE', '  ').expected).toBe('expected a non-empty string; expected a template using {sha256} (placeholders: {source}, {label}, {sha256})');
  });

  it('take host:port target brokers and an absolute stream URL, and refuse a bare host and a relative URL', () => {
    expect(valueOf('RESTORE_KAFKA_BROKERS', 'target-0:9092,target-1:9092')).toEqual(['target-0:9092', 'target-1:9092']);
    expect(problemOf('RESTORE_KAFKA_BROKERS', 'target').expected).toBe('expected host:port with a port from 1 to 65535 (e.g. kafka-0:9092), got "target"');
    expect(valueOf('RESTORE_STREAM_URL', 'http://platform:8080')).toBe('http://platform:8080');
    expect(problemOf('RESTORE_STREAM_URL', 'platform').expected).toBe('expected an http:// or https:// URL such as http://host:port (no scheme?)');
  });

  it('take the choices they list and refuse others', () => {
    expectOneOf('RESTORE_STREAM_TARGET', ['http', 's3', 'none']);
    expectOneOf('RESTORE_CREATE_TOPICS', ['auto', 'true', 'false']);
    expectOneOf('RESTORE_FEWER_PARTITIONS', ['refuse', 'by-key']);
    expectOneOf('RESTORE_IDEMPOTENT_PRODUCER', ['auto', 'true', 'false']);
  });

  it('take the numbers in their ranges and refuse the rest', () => {
    expectIntegerRange('RESTORE_STREAM_RETRIES', 0, 20);
    expectIntegerRange('RESTORE_REPLICATION_FACTOR', 0, 32_767);
    expectIntegerRange('RESTORE_CONCURRENCY', 1, 256);
    expectIntegerRange('RESTORE_PRODUCE_BATCH_EVENTS', 1, 100_000);
    expectIntegerRange('RESTORE_PRODUCE_BATCH_BYTES', 1024, 1024 * 1024 * 1024);
    expectIntegerRange('RESTORE_EVENTS_PER_SECOND', 0, Number.MAX_SAFE_INTEGER);
    expectPositiveNumber('RESTORE_HOOK_TIMEOUT_SECONDS');
    expectPositiveNumber('RESTORE_PROGRESS_SECONDS');
    expectPositiveNumber('RESTORE_SCAN_TIMEOUT_SECONDS');
  });

  it('take an empty pair order as "no order" and refuse a malformed entry with the parser\'s reason', () => {
    const empty = parsePairOrder([]);
    expect(empty.kind === 'parsed' && valueOf('RESTORE_PAIR_ORDER', '')).toEqual(empty.kind === 'parsed' && empty.order);
    const bad = parsePairOrder(['nosslash']);
    expect(bad.kind).toBe('invalid');
    expect(problemOf('RESTORE_PAIR_ORDER', 'nosslash').expected).toBe(bad.kind === 'invalid' ? bad.errors.join('; ') : '');
  });
});
