// Smoke test of the test helpers themselves: if this file fails, every other integration test's
// failure is suspect.
import { createHash } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import { beforeAll, describe, expect, it } from 'vitest';
import { withCleanup } from '../helpers/cleanup.js';
import { startKafkaBroker } from '../helpers/kafka-broker.js';
import { uniqueName } from '../helpers/names.js';
import { createBucket, s3ClientFor, startS3Server } from '../helpers/s3-server.js';
import { sharedKafkaBrokers, sharedS3Endpoint } from '../helpers/shared-servers.js';
import { startStreamServer, type StreamServer } from '../helpers/stream-server.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function kafkaClient(brokers: string[]): Kafka {
  return new Kafka({ clientId: uniqueName('smoke'), brokers, logLevel: logLevel.NOTHING });
}

describe('names', () => {
  it('makes unique names valid for topics and buckets', () => {
    const names = ['smoke', 'Weird_Prefix!!', '123', 'x'.repeat(100), ''].flatMap((p) => [uniqueName(p), uniqueName(p)]);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/);
  });
});

describe('shared kafka cluster', () => {
  it('round-trips 100 messages through a consumer group with manual commits', async () => {
    const kafka = kafkaClient(sharedKafkaBrokers());
    const topic = uniqueName('smoke');
    const sent = Array.from({ length: 100 }, (_, i) => ({
      key: i === 0 ? null : `k${i}`,
      value: i === 1 ? null : i === 2 ? Buffer.alloc(0) : Buffer.from(`v${i}`),
      headers: { n: String(i), ...(i === 3 ? { rep: ['a', 'b'] } : {}) } as IHeaders,
    }));

    const producer = kafka.producer();
    withCleanup({ stop: () => producer.disconnect() });
    await producer.connect();
    await producer.send({ topic, messages: sent });

    const received = new Map<number, { key: Buffer | null; value: Buffer | null; headers: IHeaders }>();
    const groupId = uniqueName('group');
    // A short long-poll: disconnect() waits for the fetch in flight, 5 s by default.
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250 });
    withCleanup({ stop: () => consumer.disconnect() });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const committed = new Promise<void>((resolve, reject) => {
      void consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              received.set(Number(String(m.headers?.n)), { key: m.key, value: m.value, headers: m.headers ?? {} });
            }
            const next = (BigInt(batch.lastOffset()) + 1n).toString();
            await consumer.commitOffsets([{ topic, partition: batch.partition, offset: next }]);
            if (received.size === sent.length) resolve();
          },
        })
        .catch(reject);
    });
    await committed;

    expect(received.size).toBe(100);
    expect(received.get(0)!.key).toBeNull();
    expect(received.get(0)!.value).toEqual(Buffer.from('v0'));
    expect(received.get(1)!.value).toBeNull();
    expect(received.get(2)!.value).toEqual(Buffer.alloc(0));
    // Repeated header keys come back grouped as an array.
    expect(received.get(3)!.headers.rep).toEqual([Buffer.from('a'), Buffer.from('b')]);
    for (let i = 4; i < 100; i++) {
      expect(received.get(i)!.key).toEqual(Buffer.from(`k${i}`));
      expect(received.get(i)!.value).toEqual(Buffer.from(`v${i}`));
    }

    const admin = kafka.admin();
    withCleanup({ stop: () => admin.disconnect() });
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(topic);
    const [groupOffsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const byPartition = new Map(groupOffsets!.partitions.map((p) => [p.partition, p.offset]));
    for (const end of ends) expect(byPartition.get(end.partition)).toBe(end.high);
  });

  it('starts independent empty clusters on demand', async () => {
    const other = withCleanup(await startKafkaBroker({ brokers: 1 }));
    expect(other.brokers).toHaveLength(1);
    expect(sharedKafkaBrokers()).not.toContain(other.brokers[0]);

    const admin = kafkaClient(other.brokers).admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(uniqueName('empty'));
    await admin.disconnect();
    expect(offsets.length).toBeGreaterThan(0);
    for (const p of offsets) expect([p.low, p.high]).toEqual(['0', '0']);

    await other.stop();
    await other.stop(); // and again from withCleanup: must be harmless
  });
});

describe('shared s3rver', () => {
  it('paginates a listing', async () => {
    const s3 = s3ClientFor(sharedS3Endpoint());
    withCleanup({ stop: async () => s3.destroy() });
    const bucket = uniqueName('smoke');
    await createBucket(s3, bucket);
    const keys = ['a/1', 'a/2', 'b/3', 'b/4', 'c/5'];
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `body ${key}` }));

    const listed: string[] = [];
    let pages = 0;
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 2, ContinuationToken: token }));
      pages++;
      listed.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.NextContinuationToken;
    } while (token);
    expect(pages).toBe(3);
    expect(listed).toEqual(keys);
  });
});

describe('private s3rver', () => {
  it('keeps its data across stop and restart on the same port', async () => {
    const server = withCleanup(await startS3Server());
    const s3 = s3ClientFor(server, { maxAttempts: 1 });
    withCleanup({ stop: async () => s3.destroy() });
    const bucket = uniqueName('restart');
    await createBucket(s3, bucket);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'kept' }));

    await server.stop();
    await expect(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }))).rejects.toThrow();
    await server.restart();

    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    expect(await got.Body!.transformToString()).toBe('kept');
  });
});

describe('stream server', () => {
  let streams: StreamServer;
  beforeAll(async () => {
    streams = withCleanup(await startStreamServer());
  });
  const url = (...parts: string[]) => `${streams.baseUrl}/api/v3/stream/${parts.join('/')}`;

  it('serves put blobs and 404s unknown ones', async () => {
    const content = Buffer.from('hello blob');
    const sha = streams.put('src', 'content', content);
    expect(sha).toBe(sha256(content));

    const ok = await fetch(url('src', 'content', sha));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await ok.arrayBuffer())).toEqual(content);
    expect((await fetch(url('src', 'content', 'f'.repeat(64)))).status).toBe(404);
    expect((await fetch(url('src', 'other-label', sha))).status).toBe(404);
    expect(streams.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'GET']);
  });

  it('injects failures for matching requests only', async () => {
    const sha = streams.put('src', 'content', Buffer.from('flaky'));
    streams.failNext(`/api/v3/stream/src/content/${sha}`, 2, 503);
    expect((await fetch(url('src', 'content', sha))).status).toBe(503);
    expect((await fetch(url('src', 'content', sha))).status).toBe(503);
    expect((await fetch(url('src', 'content', sha))).status).toBe(200);
  });

  it('accepts posted blobs and rejects a wrong expected sha256', async () => {
    const body = Buffer.from('posted bytes');
    const res = await fetch(`${url('dst', 'content')}?sha256=${sha256(body)}`, { method: 'POST', body });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sha256: sha256(body), size: body.length });
    expect(streams.has(sha256(body))).toBe(true);
    expect(streams.get(sha256(body))).toEqual(body);
    expect(streams.posted).toEqual([
      { source: 'dst', label: 'content', sha256: sha256(body), size: body.length, expectedSha256: sha256(body) },
    ]);

    const bad = await fetch(url('dst', 'content'), {
      method: 'POST',
      body: Buffer.from('other bytes'),
      headers: { 'x-expected-sha256': sha256(body) },
    });
    expect(bad.status).toBe(400);
    expect(streams.posted).toHaveLength(1);
  });

  it('serves generated and deliberately corrupt blobs', async () => {
    const size = 5 * 1024 * 1024 + 7;
    const sha = streams.putGenerated('src', 'content', size, 42);
    const res = await fetch(url('src', 'content', sha));
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.length).toBe(size);
    expect(sha256(bytes)).toBe(sha);
    expect(streams.putGenerated('src', 'content', size, 43)).not.toBe(sha);

    const claimed = sha256(Buffer.from('the real thing'));
    streams.putWithWrongContent('src', 'content', claimed, Buffer.from('something else'));
    const corrupt = Buffer.from(await (await fetch(url('src', 'content', claimed))).arrayBuffer());
    expect(corrupt.toString()).toBe('something else');
  });
});
