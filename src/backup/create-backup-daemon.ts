import { exitCodeFor } from '../errors/exit-code-of.js';
import { avroCodecName } from '../events/avro-container.js';
import { hostname } from 'node:os';
import type { Admin, Kafka } from 'kafkajs';
import type { Config } from '../config/load-config.js';
import { backupGroupId, batchLimits, kafkaSettings, legacyGroupIdFor, type KafkaSettings } from '../config/settings.js';
import { createGenerationDecoder } from '../events/generation-decoder.js';
import { referenceReaderType } from '../events/reference-reader.js';
import { resolveTypeNames } from '../config/event-type-map.js';
import { loadSchemaGenerations } from '../events/schema-generations.js';
import { schemaInspector } from '../events/schema-inspector.js';
import type { ExitCodeValue } from '../exit-codes.js';
import { createKafka } from '../kafka/create-kafka.js';
import type { Logger } from '../observability/logger.js';
import { resolveConditionalWrites } from '../storage/conditional-writes.js';
import { KeyLayout } from '../storage/key-layout.js';
import { checkRepositoryConfig, repositorySettings } from '../storage/repository-config.js';
import type { ObjectStore } from '../storage/object-store.js';
import { BackupDaemon } from './backup-daemon.js';
import { BatchWriter } from './batch-writer.js';
import type { EventInspector } from '../events/event-inspector.js';
import { opaqueInspector } from './event-inspector.js';
import { recordTopicConfigs } from './record-topic-configs.js';
import { BackupConsumer } from './backup-consumer.js';
import type { StopRequests } from './stop-requests.js';
import { PairWorker, type PairWorkerObserver } from './pair-worker.js';
import type { StreamPipeline } from '../streams/stream-pipeline.js';
import type { ReadinessReporter } from '../observability/readiness-problems.js';
import type { OffsetsAdmin } from '../observability/consumer-lag.js';
import { RetentionGapWatch } from './retention-gap-watch.js';

export interface BackupRuntime {
  readonly logger: Logger;
  readonly store: ObjectStore;
  readonly streams: StreamPipeline;
  readonly monotonicNow: () => number;
  readonly wallNow: () => number;
  /** Where the consumer asks the run to stop on a fatal error; made by the run, before its parts, and awaited by the daemon. */
  readonly stops: StopRequests;
  readonly observer?: PairWorkerObserver;
  /** Where pair workers report a partition stuck on a batch they cannot write (/readyz). */
  readonly readiness?: ReadinessReporter;
  readonly onStopped?: () => Promise<void>;
  /** Recorded in retention gaps as the daemon that noticed them; default the host name. */
  readonly host?: string;
  /** Makes the backup brokers' client (its admin clients and the consumer); default createKafka. */
  readonly createKafka?: (settings: KafkaSettings, logger: Logger) => Pick<Kafka, 'admin' | 'consumer'>;
}

export type CreateDaemonResult =
  | { kind: 'ready'; daemon: BackupDaemon; workers: PairWorker[]; consumer: BackupConsumer }
  | { kind: 'refused'; exitCode: ExitCodeValue; message: string };

/** Wires one consumer for every pair and one worker per pair. Preconditions (bucket, state dir) are checked by the caller. */
export async function createBackupDaemon(config: Config, runtime: BackupRuntime): Promise<CreateDaemonResult> {
  const { logger } = runtime;
  if (config.PLATFORM !== 'none') logger.info({ platform: config.PLATFORM, prefix: config.PLATFORM_PREFIX }, 'platform preset applied (explicit variables win)');
  if (config.sourcesFromFile) {
    logger.info(
      {
        file: config.SOURCES_FILE,
        backedUp: config.sourcesFromFile.filter((s) => !s.excludeFromBackup).map((s) => s.name),
        excluded: config.sourcesFromFile.filter((s) => s.excludeFromBackup).map((s) => s.name),
      },
      'sources from STREAMVAULT_SOURCES_FILE (excluded sources are not backed up)',
    );
  }
  const inspectors = await createInspectors(config, logger);
  if (inspectors.kind === 'refused') return inspectors;

  const layout = new KeyLayout(config.S3_PREFIX);
  const conditional = await resolveConditionalWrites(config.S3_CONDITIONAL_WRITES, runtime.store, layout, logger);
  if (conditional.kind === 'refused') return { kind: 'refused', exitCode: exitCodeFor('CONFIG_INVALID'), message: conditional.message };
  const repository = await checkRepositoryConfig(
    runtime.store,
    layout,
    repositorySettings({
      eventSchema: config.EVENT_SCHEMA,
      eventTypeMap: config.EVENT_TYPE_MAP,
      streamReferenceLayout: config.STREAM_REFERENCE_LAYOUT,
      pairs: config.pairs,
    }),
    { conditionalWrites: conditional.enabled, now: () => new Date(runtime.wallNow()) },
  );
  if (repository.kind === 'conflict') return { kind: 'refused', exitCode: exitCodeFor('CONFIG_INVALID'), message: repository.message };
  if (repository.kind === 'created') logger.info({ key: layout.repositoryConfigKey() }, 'new backup location: its config is written');

  const kafka = (runtime.createKafka ?? createKafka)(kafkaSettings(config), logger);
  await recordTopicConfigs(
    config.pairs.map((p) => p.topic),
    { admin: kafka.admin({ retry: { retries: 2 } }), store: runtime.store, layout, logger, now: () => new Date(runtime.wallNow()) },
  );
  const writer = new BatchWriter({
    store: runtime.store,
    layout,
    codec: avroCodecName(config.AVRO_CODEC),
    streamSink: runtime.streams,
    now: () => new Date(runtime.wallNow()),
    conditionalWrites: conditional.enabled,
    encryption: config.encryptionKeys.current,
  });
  const { stops } = runtime;
  // One admin client for the offsets the consumer and every pair's retention gap checks read,
  // connected at the first use.
  const offsetsAdmin = connectOnUse(kafka.admin({ retry: { retries: 2 } }));
  const limits = batchLimits(config);
  const consumer = new BackupConsumer({
    createConsumer: (consumerConfig) => kafka.consumer(consumerConfig),
    groupId: backupGroupId(config),
    legacyGroupIdOf: (pair) => legacyGroupIdFor(config, pair),
    admin: offsetsAdmin,
    fromBeginning: config.KAFKA_FROM_BEGINNING,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    limits,
    logger,
    monotonicNow: runtime.monotonicNow,
    onFatal: (error) => stops.request({ kind: 'fatal', error }),
  });
  const host = runtime.host ?? hostname();
  const workers = config.pairs.map(
    (pair) =>
      new PairWorker({
        pair,
        consumer,
        limits,
        writer,
        inspector: inspectors.byEvent.get(pair.event) ?? opaqueInspector,
        logger,
        monotonicNow: runtime.monotonicNow,
        wallNow: runtime.wallNow,
        observer: runtime.observer,
        readiness: runtime.readiness,
        gaps: new RetentionGapWatch({
          pair,
          admin: offsetsAdmin,
          store: runtime.store,
          layout,
          logger,
          host,
          now: () => new Date(runtime.wallNow()),
        }),
      }),
  );
  consumer.serve(workers);
  const daemon = new BackupDaemon({
    stops,
    consumer,
    workers,
    streams: runtime.streams,
    logger,
    shutdownGraceMs: Math.round(config.SHUTDOWN_GRACE_SECONDS * 1000),
    onStopped: async () => {
      await offsetsAdmin.close();
      await runtime.onStopped?.();
    },
  });
  return { kind: 'ready', daemon, workers, consumer };
}

type Inspectors =
  | { kind: 'ready'; byEvent: Map<string, EventInspector> }
  | { kind: 'refused'; exitCode: ExitCodeValue; message: string };

async function createInspectors(config: Config, logger: Logger): Promise<Inspectors> {
  const byEvent = new Map<string, EventInspector>();
  if (!config.EVENT_SCHEMA) {
    logger.warn('STREAMVAULT_EVENT_SCHEMA is empty: events are backed up without decoding, so no streams are found');
    return { kind: 'ready', byEvent };
  }
  try {
    const generations = await loadSchemaGenerations(config.EVENT_SCHEMA);
    for (const event of new Set(config.pairs.map((p) => p.event))) {
      const typeNames = resolveTypeNames(config.EVENT_TYPE_MAP, event);
      if (typeNames.length === 0) {
        logger.warn({ event }, 'no Avro type configured for this event type (STREAMVAULT_EVENT_TYPE_MAP); not decoded');
        continue;
      }
      // Inspection reads only the stream references: the rest of each event is skipped, not built.
      const decoder = createGenerationDecoder(generations, typeNames, { readerOf: (writer) => referenceReaderType(writer, config.STREAM_REFERENCE_LAYOUT) });
      const decoding = { eventType: event, typeNames, fromFallback: !config.EVENT_TYPE_MAP.byEventType.has(event), generations: decoder.generations };
      byEvent.set(event, schemaInspector(decoder, config.STREAM_REFERENCE_LAYOUT, decoding));
    }
    logger.info(
      { schema: config.EVENT_SCHEMA, generations: generations.map((g) => ({ name: g.name, types: g.registry.typeNames.length })) },
      generations.length > 1 ? 'event schema generations loaded (tried newest first)' : 'event schema loaded',
    );
    return { kind: 'ready', byEvent };
  } catch (error) {
    return {
      kind: 'refused',
      exitCode: exitCodeFor('SCHEMA_LOAD_FAILED'),
      message: `STREAMVAULT_EVENT_SCHEMA: ${(error as Error).message}`,
    };
  }
}

/** The offset calls of `admin`, connecting it at the first; `close` disconnects it if it was. */
function connectOnUse(admin: Admin): OffsetsAdmin & { close(): Promise<void> } {
  let connected: Promise<void> | undefined;
  const ready = () =>
    (connected ??= admin.connect().catch((error: unknown) => {
      connected = undefined;
      throw error;
    }));
  return {
    fetchTopicOffsets: async (topic) => {
      await ready();
      return admin.fetchTopicOffsets(topic);
    },
    fetchOffsets: async (options) => {
      await ready();
      return admin.fetchOffsets(options);
    },
    close: async () => {
      if (connected) await admin.disconnect().catch(() => undefined);
    },
  };
}
