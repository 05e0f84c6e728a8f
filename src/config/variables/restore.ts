import { DEFAULT_RESTORE_PAIR_ORDER, PLATFORM_STREAM_EXISTS_TEMPLATE, PLATFORM_STREAM_POST_TEMPLATE } from '../platform-presets.js';
import { z } from 'zod';
import { parsePairOrder, type PairOrder } from '../pair-order.js';
import { brokerList, list, integer, nonEmptyText, oneOf, positiveNumber, text, url, variable } from '../variable.js';

const template = (placeholders: readonly string[], required: readonly string[]) =>
  nonEmptyText().refine((s) => required.every((p) => s.includes(`{${p}}`)), {
    message: `expected a template using ${required.map((p) => `{${p}}`).join(' and ')} (placeholders: ${placeholders.map((p) => `{${p}}`).join(', ')})`,
  });

const pairOrder = () =>
  list().transform((entries, ctx): PairOrder => {
    const parsed = parsePairOrder(entries);
    if (parsed.kind === 'parsed') return parsed.order;
    for (const message of parsed.errors) ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  });

/** Read only by `streamvault restore`; the backup daemon ignores them. */
export const restoreVariables = {
  RESTORE_KAFKA_BROKERS: variable({
    name: 'RESTORE_KAFKA_BROKERS',
    schema: brokerList(),
    default: '',
    group: 'restore',
    description:
      'Bootstrap brokers (host:port, comma-separated) of the Kafka cluster restored into. Empty: STREAMVAULT_KAFKA_BROKERS. Its TLS and SASL: the STREAMVAULT_RESTORE_KAFKA_SSL_* and STREAMVAULT_RESTORE_KAFKA_SASL_* variables where STREAMVAULT_RESTORE_KAFKA_SSL / STREAMVAULT_RESTORE_KAFKA_SASL_MECHANISM are set, else those of the backup brokers.',
  }),
  RESTORE_TOPIC_TEMPLATE: variable({
    name: 'RESTORE_TOPIC_TEMPLATE',
    schema: template(['topic', 'source', 'event'], []).refine((s) => /\{(topic|source|event)\}/.test(s), {
      message: 'expected a template using {topic}, {source} and/or {event}',
    }),
    default: '{topic}',
    group: 'restore',
    description: 'Target topic of restored events, from the original `{topic}`, `{source}` and `{event}`.',
  }),
  RESTORE_STREAM_TARGET: variable({
    name: 'RESTORE_STREAM_TARGET',
    schema: oneOf(['http', 's3', 'none']),
    default: 'http',
    group: 'restore',
    description:
      'Where restored streams go: `http` (STREAMVAULT_RESTORE_STREAM_URL), `s3` (STREAMVAULT_RESTORE_STREAM_BUCKET on the backup\'s S3 endpoint), or `none` (streams are not restored).',
  }),
  RESTORE_STREAM_URL: variable({
    name: 'RESTORE_STREAM_URL',
    schema: url(),
    default: '',
    group: 'restore',
    description: 'Base URL of the target stream service (`{base}` in the URL template). Required when the stream target is `http` and streams are restored.',
  }),
  RESTORE_STREAM_URL_TEMPLATE: variable({
    name: 'RESTORE_STREAM_URL_TEMPLATE',
    schema: template(['base', 'source', 'label', 'sha256'], ['base']),
    default: PLATFORM_STREAM_POST_TEMPLATE,
    group: 'restore',
    description:
      'URL a stream is POSTed to (body: the blob), the platform\'s restore request by default (hash in the query). `{source}` and `{label}` are percent-encoded. A template without `{sha256}` sends the hash in the `x-expected-sha256` header instead.',
  }),
  RESTORE_STREAM_EXISTS_URL_TEMPLATE: variable({
    name: 'RESTORE_STREAM_EXISTS_URL_TEMPLATE',
    schema: template(['base', 'source', 'label', 'sha256'], ['base', 'sha256']),
    default: PLATFORM_STREAM_EXISTS_TEMPLATE,
    group: 'restore',
    description:
      'URL whose `GET` answering 200 (404: absent) means the target already has the stream (--skip-existing-streams); independent of the POST template and its query string.',
  }),
  RESTORE_STREAM_BUCKET: variable({
    name: 'RESTORE_STREAM_BUCKET',
    schema: text(),
    default: '',
    group: 'restore',
    description: 'Target bucket when the stream target is `s3`; it must exist (restore never creates buckets).',
  }),
  RESTORE_STREAM_KEY_TEMPLATE: variable({
    name: 'RESTORE_STREAM_KEY_TEMPLATE',
    schema: template(['source', 'label', 'sha256'], ['sha256']),
    default: '{source}/{label}/{sha256}',
    group: 'restore',
    description: 'Object key of a restored stream in STREAMVAULT_RESTORE_STREAM_BUCKET.',
  }),
  RESTORE_STREAM_RETRIES: variable({
    name: 'RESTORE_STREAM_RETRIES',
    schema: integer(0, 20),
    default: '3',
    unit: 'retries',
    group: 'restore',
    description: 'Retries (exponential backoff) of a stream post that failed with a network error or a 5xx answer.',
  }),
  RESTORE_CREATE_TOPICS: variable({
    name: 'RESTORE_CREATE_TOPICS',
    schema: oneOf(['auto', 'true', 'false']),
    default: 'auto',
    group: 'restore',
    description:
      'Create missing target topics with the partition count and configs the backup recorded (`true`), or leave them to the cluster\'s auto-creation (`false`). `auto`: create them unless the cluster cannot take controller requests (librdkafka\'s mock cluster).',
  }),
  RESTORE_REPLICATION_FACTOR: variable({
    name: 'RESTORE_REPLICATION_FACTOR',
    schema: integer(0, 32_767),
    default: '0',
    unit: 'replicas',
    group: 'restore',
    description: 'Replication factor of the target topics a restore creates. 0: min(3, brokers in the target cluster).',
  }),
  RESTORE_FEWER_PARTITIONS: variable({
    name: 'RESTORE_FEWER_PARTITIONS',
    schema: oneOf(['refuse', 'by-key']),
    default: 'refuse',
    group: 'restore',
    description:
      'An existing target topic with fewer partitions than the original: `refuse` (the restore stops before writing) or `by-key` (records of partitions the target lacks are placed by key, losing their original partition and its order).',
  }),
  RESTORE_IDEMPOTENT_PRODUCER: variable({
    name: 'RESTORE_IDEMPOTENT_PRODUCER',
    schema: oneOf(['auto', 'true', 'false']),
    default: 'auto',
    group: 'restore',
    description:
      'Produce with the idempotent producer (`true`), so that requests are retried and the broker drops a repeat, or without retries (`false`). `auto`: idempotent unless the cluster cannot take controller requests (librdkafka\'s mock cluster).',
  }),
  RESTORE_CONCURRENCY: variable({
    name: 'RESTORE_CONCURRENCY',
    schema: integer(1, 256),
    default: '8',
    unit: 'tasks',
    group: 'restore',
    description: 'Streams posted at once, and partitions restored at once (each partition is restored in offset order).',
  }),
  RESTORE_PAIR_ORDER: variable({
    name: 'RESTORE_PAIR_ORDER',
    schema: pairOrder(),
    emptyIsValue: true,
    default: DEFAULT_RESTORE_PAIR_ORDER,
    group: 'restore',
    description:
      'Order in which pairs are restored: `source/event` entries, comma-separated, `*` matching any source or event. The events of the pairs matching an entry are all produced before those of the next entry start; pairs matching no entry come last. Within one step, partitions run at once (STREAMVAULT_RESTORE_CONCURRENCY). The default restores the system models (insert, delete) before the binary events that depend on them.',
  }),
  RESTORE_PRODUCE_BATCH_EVENTS: variable({
    name: 'RESTORE_PRODUCE_BATCH_EVENTS',
    schema: integer(1, 100_000),
    default: '500',
    unit: 'events',
    group: 'restore',
    description: 'Events per produce request (one partition each, awaited before the next).',
  }),
  RESTORE_PRODUCE_BATCH_BYTES: variable({
    name: 'RESTORE_PRODUCE_BATCH_BYTES',
    schema: integer(1024, 1024 * 1024 * 1024),
    default: '900000',
    unit: 'bytes',
    group: 'restore',
    description:
      "Bytes of keys, values and headers per produce request. A partition's request is one record batch, which the broker refuses above the topic's max.message.bytes (1 MiB by default); a record larger than this is sent alone.",
  }),
  RESTORE_EVENTS_PER_SECOND: variable({
    name: 'RESTORE_EVENTS_PER_SECOND',
    schema: integer(0),
    default: '0',
    unit: 'events/second',
    group: 'restore',
    description: 'Throttle for produced events, across all partitions. 0: unlimited.',
  }),
  RESTORE_BYTES_PER_SECOND: variable({
    name: 'RESTORE_BYTES_PER_SECOND',
    schema: integer(0),
    default: '0',
    unit: 'bytes/second',
    group: 'restore',
    description: 'Throttle for produced event bytes (keys, values, headers), across all partitions. 0: unlimited.',
  }),
  RESTORE_PRE_HOOK: variable({
    name: 'RESTORE_PRE_HOOK',
    schema: text(),
    default: '',
    group: 'restore',
    description:
      'Shell command run (`/bin/sh -c`) before anything is written, with the scope in RESTORE_SCOPE_* variables; a non-zero exit aborts the restore. Empty: none.',
  }),
  RESTORE_POST_HOOK: variable({
    name: 'RESTORE_POST_HOOK',
    schema: text(),
    default: '',
    group: 'restore',
    description:
      'Shell command run after the restore, also after a failed one (RESTORE_EXIT_CODE tells which), with the scope in RESTORE_SCOPE_* variables. Empty: none.',
  }),
  RESTORE_HOOK_TIMEOUT_SECONDS: variable({
    name: 'RESTORE_HOOK_TIMEOUT_SECONDS',
    schema: positiveNumber(),
    default: '300',
    unit: 'seconds',
    group: 'restore',
    description: 'A hook still running after this long is killed, with every process it started, and counts as failed.',
  }),
  RESTORE_PROGRESS_SECONDS: variable({
    name: 'RESTORE_PROGRESS_SECONDS',
    schema: positiveNumber(),
    default: '5',
    unit: 'seconds',
    group: 'restore',
    description: 'Interval between progress status lines (--json), bar updates (a terminal), or progress log lines (neither: percent, objects, bytes, rate, ETA).',
  }),
  RESTORE_SCAN_TIMEOUT_SECONDS: variable({
    name: 'RESTORE_SCAN_TIMEOUT_SECONDS',
    schema: positiveNumber(),
    default: '300',
    unit: 'seconds',
    group: 'restore',
    description: 'Longest time reading the target topics (to find where each partition continues) may take before the restore fails.',
  }),
};
