import avro from 'avsc';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { S3ObjectStore } from '../../../src/storage/s3-object-store.js';
import { backupEnv, pairsEnv } from '../../helpers/backup-env.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { uniqueName } from '../../helpers/names.js';
import { parseMetrics } from '../../helpers/prometheus-text.js';
import { readBackup } from '../../helpers/read-backup.js';
import { createBucket, s3ClientFor, startS3Server, type S3Server } from '../../helpers/s3-server.js';
import { sharedKafkaBrokers } from '../../helpers/shared-servers.js';
import { spawnStreamvault, type StreamvaultProcess } from '../../helpers/streamvault-process.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { until } from '../../helpers/until.js';
import { testProducer } from '../../helpers/test-producer.js';

let producer: Producer;
beforeAll(async () => {
  producer = testProducer(new Kafka({ brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING }));
  await producer.connect();
});
afterAll(async () => {
  await producer?.disconnect();
});

describe('metrics and health endpoints of the running daemon (built CLI, real broker, own S3)', () => {
  let s3: S3Server;
  let daemon: StreamvaultProcess;
  let base: string;
  let store: S3ObjectStore;
  const topic = uniqueName('metrics');
  const pair = 'samples/sourced';
  const N = 30;

  beforeAll(async () => {
    s3 = withCleanup(await startS3Server());
    const bucket = uniqueName('metrics');
    const client = s3ClientFor(s3, { maxAttempts: 1 });
    await createBucket(client, bucket);
    store = new S3ObjectStore(client, bucket);
    const dir = makeTempDir('schema-');
    const schema = { type: 'record', name: 'Simple', namespace: 'test', fields: [{ name: 'id', type: 'long' }] };
    writeFileSync(join(dir, 'simple.avsc'), JSON.stringify(schema));
    const type = avro.Type.forSchema(schema as avro.Schema);
    const env = backupEnv({
      brokers: sharedKafkaBrokers(),
      s3Endpoint: s3.endpoint,
      bucket,
      stateDir: makeTempDir('state-'),
      extra: {
        ...pairsEnv({ [pair]: topic }),
        STREAMVAULT_KAFKA_GROUP_ID: uniqueName('grp'),
        STREAMVAULT_EVENT_SCHEMA: dir,
        STREAMVAULT_EVENT_TYPE_MAP: '*=test.Simple',
        STREAMVAULT_READINESS_PROBE_SECONDS: '0.5',
        STREAMVAULT_LAG_POLL_SECONDS: '0.5',
        STREAMVAULT_PROGRESS_LOG_SECONDS: '1',
        STREAMVAULT_S3_MAX_ATTEMPTS: '1',
      },
    });
    await producer.send({
      topic,
      messages: [
        ...Array.from({ length: N }, (_, i) => ({ partition: i % 4, value: type.toBuffer({ id: i }) })),
        { partition: 1, value: Buffer.from([0xff, 0x00, 0x13, 0x37]) },
      ],
    });
    daemon = withCleanup(spawnStreamvault(['backup'], env));
    const listening = await daemon.waitForLog((l) => l.msg.startsWith('metrics and health listening'));
    base = `http://127.0.0.1:${listening.port as number}`;
  });

  it('counts exactly the events produced, the malformed one, and the batches in S3', async () => {
    const label = `{pair="${pair}"}`;
    const metrics = await until('every event backed up and no lag', async () => {
      const m = parseMetrics(await (await fetch(`${base}/metrics`)).text());
      const lag = [0, 1, 2, 3].map((p) => m.get(`streamvault_consumer_lag{pair="${pair}",topic="${topic}",partition="${p}"}`));
      return m.get(`streamvault_events_backed_up_total${label}`) === N + 1 && lag.every((l) => l === 0) ? m : undefined;
    });
    expect(metrics.get(`streamvault_events_consumed_total${label}`)).toBe(N + 1);
    expect(metrics.get(`streamvault_malformed_events_total${label}`)).toBe(1);
    expect(metrics.get(`streamvault_oldest_unflushed_event_age_seconds${label}`)).toBe(0);
    expect(metrics.get(`streamvault_seconds_since_last_durable_batch${label}`)).toBeLessThan(60);

    // The counters agree with what is really in the bucket.
    const contents = await readBackup(store, new KeyLayout(''));
    expect(contents.indexed).toBe(true);
    expect(contents.records.size).toBe(N + 1);
    expect(metrics.get(`streamvault_batches_total${label}`)).toBe(contents.manifests.length);
    expect(metrics.get(`streamvault_batch_bytes_total${label}`)).toBe(contents.manifests.reduce((n, e) => n + e.bytes, 0));
    expect(contents.manifests.reduce((n, e) => n + e.malformed, 0)).toBe(1);

    const progress = await daemon.waitForLog((l) => l.msg === 'progress' && l.backedUpSinceStart === N + 1 && l.lag === 0, 10_000);
    expect(progress).toMatchObject({ pair, malformedSinceStart: 1, unflushedEvents: 0, oldestUnflushedSeconds: 0 });
  });

  it('answers /healthz, and /readyz drops while S3 is stopped and comes back after', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    await until('ready', async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined));

    await s3.stop();
    const down = await until('not ready with S3 stopped', async () => {
      const res = await fetch(`${base}/readyz`);
      return res.status === 503 ? ((await res.json()) as { ready: boolean; reasons: string[] }) : undefined;
    }, 20_000);
    expect(down.ready).toBe(false);
    expect(down.reasons.join(' ')).toMatch(/S3 not writable/);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(parseMetrics(await (await fetch(`${base}/metrics`)).text()).get('streamvault_ready')).toBe(0);

    await s3.restart();
    await until('ready again after S3 restarted', async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined), 20_000);
    expect(parseMetrics(await (await fetch(`${base}/metrics`)).text()).get('streamvault_s3_writable')).toBe(1);

    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  });
});
