// Compression and S3 write options end to end: the built daemon backs up from the shared broker
// into s3rver with compressed event objects and streams, SSE and a storage class set; the suite's
// own reader (test/reliability/kit, avsc + fzstd + zlib, none of src/) reads the bucket; restore
// gives back the events and the blobs byte for byte; verify --read-data and stats read it too.
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zstdCompressionAvailable } from '../../../src/compression/zstd.js';
import { decodeContainer, encodeContainerMeasured } from '../../../src/events/avro-container.js';
import { newBackupTarget } from '../../helpers/backup-target.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { uniqueName } from '../../helpers/names.js';
import { refEvent, refEventSettings } from '../../helpers/ref-event.js';
import { runCliCaptured } from '../../helpers/run-cli-captured.js';
import { s3ClientFor } from '../../helpers/s3-server.js';
import { sharedKafkaBrokers, sharedS3Endpoint } from '../../helpers/shared-servers.js';
import { startStreamServer } from '../../helpers/stream-server.js';
import { spawnStreamvault } from '../../helpers/streamvault-process.js';
import { testProducer } from '../../helpers/test-producer.js';
import { until } from '../../helpers/until.js';
import { readBackupIndependently } from '../../reliability/kit/independent-backup-reader.js';
import { newStateDir, readTopic, restoreEnv, runRestoreCli } from '../restore/restore-fixtures.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const EVENTS = 60;

let producer: Producer;
beforeAll(async () => {
  producer = testProducer(new Kafka({ brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING }));
  await producer.connect();
});
afterAll(async () => {
  await producer?.disconnect();
});

interface Case {
  readonly codec: 'deflate' | 'zstd';
  readonly avroCodec: string;
  readonly streams: 'gzip' | 'zstd';
  readonly s3: Record<string, string>;
}

async function backupCompressedAndRestore(c: Case): Promise<void> {
  const source = withCleanup(await startStreamServer());
  const topic = uniqueName('compress');
  const compressible = Array.from({ length: 3 }, (_, i) =>
    Buffer.from(Array.from({ length: 3000 }, (_, n) => `{"blob":${i},"line":${n % 40},"text":"compressible stream content"}\n`).join('')),
  );
  const incompressible = randomBytes(40_000);
  const legacy = Buffer.from(`stored before compression existed ${topic} `.repeat(100));
  const blobs = [...compressible, incompressible, legacy];
  for (const blob of blobs) source.put('samples', 'content', blob);

  const target = await newBackupTarget('compress', {
    pairs: { 'samples/sourced': topic },
    extra: {
      ...refEventSettings(),
      STREAMVAULT_STREAM_SOURCE_URL: source.baseUrl,
      STREAMVAULT_AVRO_CODEC: c.codec,
      STREAMVAULT_STREAM_COMPRESSION: c.streams,
      STREAMVAULT_BATCH_MAX_EVENTS: '20',
      ...c.s3,
    },
  });
  // A mixed bucket: this blob is already stored the way earlier versions stored every blob.
  await target.store.put(target.layout.streamKey(sha256(legacy)), legacy, { metadata: { sha256: sha256(legacy) } });

  const values = Array.from({ length: EVENTS }, (_, i) => refEvent('samples', [{ label: 'content', sha256: sha256(blobs[i % blobs.length]!) }]));
  await producer.send({ topic, messages: values.map((value, i) => ({ key: `k${i % 4}`, value })) });

  const client = s3ClientFor(sharedS3Endpoint());
  const daemon = withCleanup(spawnStreamvault(['backup'], target.env));
  const found = await until(
    'every event and every blob in the bucket',
    async () => {
      const backup = await readBackupIndependently(client, target.bucket);
      return backup.indexed.size === EVENTS && backup.streams.size === blobs.length ? backup : undefined;
    },
    90_000,
    1_000,
  );
  daemon.child.kill('SIGTERM');
  expect(await daemon.exited, daemon.stderrText()).toBe(0);

  // Events: the independent reader decodes every object, and the files say the spec's codec name.
  expect(new Set(found.manifests.map((m) => m.codec))).toEqual(new Set([c.avroCodec]));
  const stored = [...found.indexed.values()].sort((a, b) => Number(a.offset - b.offset) || a.partition - b.partition);
  expect(stored.map((r) => r.value!.toString('base64')).sort()).toEqual(values.map((v) => v.toString('base64')).sort());
  // Each manifest's uncompressedBytes is what its records serialize to before the codec.
  for (const m of found.manifests) {
    const records = await decodeContainer(await target.store.get(m.key));
    expect(m.uncompressedBytes, m.key).toBe((await encodeContainerMeasured(records, { codec: 'null', seed: m.key })).uncompressedBytes);
  }

  // Streams: every object's content hashes to its name; compressible ones are stored smaller and
  // not as their plaintext; the legacy object is untouched (dedup by its sha256 metadata).
  for (const blob of blobs) expect(found.streams.get(sha256(blob))).toBe(sha256(blob));
  for (const blob of compressible) {
    const key = target.layout.streamKey(sha256(blob));
    const raw = await target.store.get(key);
    expect(raw.length).toBeLessThan(blob.length / 5);
    expect(raw.includes(blob.subarray(0, 100))).toBe(false);
    expect((await target.store.head(key))!.metadata).toMatchObject({ sha256: sha256(blob), encoding: c.streams, 'content-size': String(blob.length) });
  }
  const legacyHead = (await target.store.head(target.layout.streamKey(sha256(legacy))))!;
  expect(legacyHead.metadata.encoding).toBeUndefined();
  expect((await target.store.get(target.layout.streamKey(sha256(legacy)))).equals(legacy)).toBe(true);

  // The storage class reached the store (s3rver keeps it and answers it in HEAD).
  if (c.s3.STREAMVAULT_S3_STORAGE_CLASS) {
    for (const key of [found.eventObjects[0]!, target.layout.streamKey(sha256(compressible[0]!))]) {
      const head = await client.send(new HeadObjectCommand({ Bucket: target.bucket, Key: key }));
      expect(head.StorageClass, key).toBe(c.s3.STREAMVAULT_S3_STORAGE_CLASS);
    }
  }

  // verify --read-data decodes both kinds of stream objects and every events object.
  const verify = await runCliCaptured(['verify', '--read-data'], target.env);
  expect(verify.code, verify.err + verify.out).toBe(0);
  // stats: the ratios, from the manifests and the objects' metadata.
  const stats = await runCliCaptured(['stats', '--json'], target.env);
  expect(stats.code, stats.err).toBe(0);
  const parsed = JSON.parse(stats.out) as {
    totals: { uncompressedBytes: number; measuredBytes: number };
    streams: { compressed: number; contentBytes: number; measuredBytes: number };
  };
  expect(parsed.totals.uncompressedBytes).toBe(found.manifests.reduce((n, m) => n + (m.uncompressedBytes as number), 0));
  expect(parsed.totals.measuredBytes).toBe(found.manifests.reduce((n, m) => n + (m.bytes as number), 0));
  expect(parsed.streams.compressed).toBe(compressible.length + 1);
  expect(parsed.streams.contentBytes).toBe(blobs.reduce((n, b) => n + b.length, 0));

  // Restore: the events into a new topic, the blobs to an HTTP target, byte for byte.
  const restoredStreams = withCleanup(await startStreamServer());
  const restore = await runRestoreCli(
    ['--json'],
    restoreEnv(target, sharedKafkaBrokers(), newStateDir(), {
      STREAMVAULT_RESTORE_STREAM_URL: restoredStreams.baseUrl,
      STREAMVAULT_RESTORE_TOPIC_TEMPLATE: '{topic}-restored',
    }),
  );
  expect(restore.code, restore.stderr).toBe(0);
  const restored = await readTopic(sharedKafkaBrokers(), `${topic}-restored`);
  expect(restored.map((r) => Buffer.from(r.value!).toString('base64')).sort()).toEqual(values.map((v) => v.toString('base64')).sort());
  expect(restoredStreams.posted.map((p) => p.sha256).sort()).toEqual(blobs.map(sha256).sort());
  expect(restoredStreams.posted.every((p) => p.sha256 === p.expectedSha256)).toBe(true);
}

describe('compressed backup end to end (built CLI, real broker, s3rver)', { timeout: 240_000 }, () => {
  it('deflate events, gzip streams, SSE-KMS with a key id and a storage class: read independently, verified, restored byte for byte', async () => {
    await backupCompressedAndRestore({
      codec: 'deflate',
      avroCodec: 'deflate',
      streams: 'gzip',
      s3: {
        STREAMVAULT_S3_SERVER_SIDE_ENCRYPTION: 'aws:kms',
        STREAMVAULT_S3_SSE_KMS_KEY_ID: 'alias/streamvault-test',
        STREAMVAULT_S3_STORAGE_CLASS: 'STANDARD_IA',
      },
    });
  });

  it.skipIf(!zstdCompressionAvailable())(`zstd events and streams with SSE-S3 (${process.version}): read independently, verified, restored byte for byte`, async () => {
    await backupCompressedAndRestore({
      codec: 'zstd',
      avroCodec: 'zstandard',
      streams: 'zstd',
      s3: { STREAMVAULT_S3_SERVER_SIDE_ENCRYPTION: 'aes256', STREAMVAULT_S3_STORAGE_CLASS: 'ONEZONE_IA' },
    });
  });
});
