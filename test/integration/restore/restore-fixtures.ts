import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import { BatchWriter } from '../../../src/backup/batch-writer.js';
import { PartitionBatch } from '../../../src/backup/partition-batch.js';
import { manifestOnlyPipeline } from '../../../src/streams/stream-pipeline.js';
import type { BackupRecord } from '../../../src/events/backup-record.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import type { ManifestEntry, ManifestStream } from '../../../src/storage/manifest.js';
import { S3ObjectStore } from '../../../src/storage/s3-object-store.js';
import { writeTopicRecord } from '../../../src/storage/topic-record.js';
import { createBucket, s3ClientFor } from '../../helpers/s3-server.js';
import { sharedS3Endpoint } from '../../helpers/shared-servers.js';
import { uniqueName } from '../../helpers/names.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { readTopics, type TopicRecord } from '../../../scripts/local/read-topics.js';

export const BASE_TS = Date.UTC(2026, 0, 2, 3, 0, 0);

export interface Backup {
  bucket: string;
  store: S3ObjectStore;
  layout: KeyLayout;
  topic: string;
  pair: { source: string; event: string; topic: string };
  records: BackupRecord[];
  entries: ManifestEntry[];
  blobs: Map<string, Buffer>;
}

export async function makeBackup(): Promise<Backup> {
  const bucket = uniqueName('restore');
  const client = s3ClientFor(sharedS3Endpoint());
  await createBucket(client, bucket);
  const topic = uniqueName('orig');
  const store = new S3ObjectStore(client, bucket);
  const layout = new KeyLayout('');
  // The fixture's records are from January 2026. Under Kafka's default retention (7 days) the broker
  // deletes such records about 30 s after they were restored, so the backup says what the original
  // topic had: no time limit. (The librdkafka mock cluster ignores topic configs.)
  await writeTopicRecord(store, layout, { version: 1, topic, partitions: 4, configs: { 'retention.ms': '-1' }, recordedAt: new Date().toISOString() });
  return {
    bucket,
    store,
    layout,
    topic,
    pair: { source: 'samples', event: 'sourced', topic },
    records: [],
    entries: [],
    blobs: new Map(),
  };
}

/** A record with the awkward cases mixed in: null key, tombstone, empty value, repeated headers. */
export function makeRecord(topic: string, partition: number, offset: number, timestamp = BigInt(BASE_TS + offset * 1000)): BackupRecord {
  const i = partition * 100_000 + offset;
  return {
    topic,
    partition,
    offset: String(offset),
    timestamp,
    key: i % 7 === 0 ? null : Buffer.from(`key-${i}`),
    value: i % 11 === 0 ? null : i % 13 === 0 ? Buffer.alloc(0) : Buffer.from(`value-${i}-${'x'.repeat(i % 50)}`),
    headers: i % 5 === 0 ? [{ key: 'rep', value: Buffer.from('a') }, { key: 'rep', value: Buffer.from('b') }, { key: 'n', value: Buffer.from(String(i)) }] : [{ key: 'n', value: Buffer.from(String(i)) }],
  };
}

/**
 * Writes one backup batch (object + manifest) the way the daemon does, with BatchWriter.
 * `streams` are stored as blobs at streamKey(sha) and named in the manifest.
 */
export async function writeBatch(
  backup: Backup,
  partition: number,
  firstOffset: number,
  count: number,
  streams: Array<{ label: string; content: Buffer; offset: number }> = [],
): Promise<ManifestEntry> {
  const writer = new BatchWriter({ store: backup.store, layout: backup.layout, codec: 'deflate', streamSink: manifestOnlyPipeline(), now: () => new Date() });
  const batch = new PartitionBatch(backup.topic, partition, 0);
  for (let offset = firstOffset; offset < firstOffset + count; offset += 1) {
    const record = makeRecord(backup.topic, partition, offset);
    const refs: ManifestStream[] = streams
      .filter((s) => s.offset === offset)
      .map((s) => ({ source: backup.pair.source, label: s.label, sha256: sha256(s.content), timestamp: record.timestamp }));
    batch.add(record, 0, { streams: refs, malformed: false });
    if (!backup.records.some((r) => r.partition === partition && r.offset === record.offset)) backup.records.push(record);
  }
  for (const s of streams) {
    const sha = sha256(s.content);
    await backup.store.put(backup.layout.streamKey(sha), s.content, { metadata: { sha256: sha } });
    backup.blobs.set(sha, s.content);
  }
  const entry = await writer.write(backup.pair, batch);
  backup.entries.push(entry);
  return entry;
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export interface RunResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export function restoreEnv(backup: Pick<Backup, 'bucket'>, brokers: string[], stateDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // Nothing of the test process's own STREAMVAULT_ settings leaks into the restore under test.
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('STREAMVAULT_')));
  return {
    ...env,
    STREAMVAULT_S3_BUCKET: backup.bucket,
    STREAMVAULT_S3_ENDPOINT: sharedS3Endpoint(),
    STREAMVAULT_S3_FORCE_PATH_STYLE: 'true',
    STREAMVAULT_S3_ACCESS_KEY_ID: 'S3RVER',
    STREAMVAULT_S3_SECRET_ACCESS_KEY: 'S3RVER',
    STREAMVAULT_S3_MAX_ATTEMPTS: '2',
    STREAMVAULT_KAFKA_BROKERS: brokers.join(','),
    STREAMVAULT_STATE_DIR: stateDir,
    STREAMVAULT_LOG_LEVEL: 'info',
    STREAMVAULT_RESTORE_PROGRESS_SECONDS: '0.2',
    STREAMVAULT_RESTORE_SCAN_TIMEOUT_SECONDS: '30',
    ...extra,
  };
}

/**
 * Runs `node dist/src/cli.js restore ...`. `kill` sends SIGKILL: `afterMs` after the start,
 * `afterProducingMs` after the first status line that shows events being produced (so the kill
 * lands mid-restore however fast this machine is), or as soon as `when()` holds (polled).
 */
export function runRestoreCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  kill?: { afterMs: number } | { afterProducingMs: number } | { when: () => boolean },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/src/cli.js', 'restore', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const scheduleKill = (ms: number) => {
      timer ??= setTimeout(() => child.kill('SIGKILL'), ms);
    };
    if (kill && 'afterMs' in kill) scheduleKill(kill.afterMs);
    const poll = kill && 'when' in kill ? setInterval(() => kill.when() && child.kill('SIGKILL'), 5) : undefined;
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      if (kill && 'afterProducingMs' in kill && timer === undefined) {
        const producing = stdout
          .split('\n')
          .some((l) => l.includes('"message_type":"status"') && l.includes('"phase":"events"') && !l.includes('"bytes_done":0,'));
        if (producing) scheduleKill(kill.afterProducingMs);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const guard = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(guard);
      clearInterval(poll);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export type TargetRecord = TopicRecord;

/** Every record of a topic on the target, read to the high watermarks. */
export function readTopic(brokers: string[], topic: string): Promise<TargetRecord[]> {
  return readTopics(new Kafka({ clientId: 'restore-test-reader', brokers, logLevel: logLevel.NOTHING }), [topic], 30_000);
}

export function origin(r: TargetRecord): string {
  const last = (v: IHeaders[string]) => String(Array.isArray(v) ? v[v.length - 1] : v);
  return `${last(r.headers['streamvault.original.partition'])}:${last(r.headers['streamvault.original.offset'])}`;
}

/** Expected headers as kafkajs delivers them back (repeated keys grouped), plus the origin. */
export function expectedHeaders(record: BackupRecord): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const h of record.headers) {
    const v = h.value?.toString() ?? '';
    const existing = out[h.key];
    out[h.key] = existing === undefined ? v : [...(Array.isArray(existing) ? existing : [existing]), v];
  }
  out['streamvault.original.topic'] = record.topic;
  out['streamvault.original.partition'] = String(record.partition);
  out['streamvault.original.offset'] = record.offset;
  return out;
}

export function headersAsStrings(headers: IHeaders): Record<string, string | string[]> {
  return Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.map((x) => x.toString()) : String(v)]),
  );
}

export const newStateDir = () => makeTempDir('restore-state-');
