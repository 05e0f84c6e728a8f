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
import { sharedKafkaBrokers, sharedKafkaKind, sharedS3Endpoint } from '../helpers/shared-servers.js';
import { startStreamServer, type StreamServer } from '../helpers/stream-server.js';
import { until } from '../helpers/until.js';

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

  it('starts independent empty clusters on demand, of the run\'s kind', async () => {
    const other = withCleanup(await startKafkaBroker({ brokers: 1 }));
    expect(other.kind).toBe(sharedKafkaKind());
    expect(other.brokers).toHaveLength(1);
    expect(sharedKafkaBrokers()).not.toContain(other.brokers[0]);

    // Admin clients never auto-create topics (the mock cluster did, on any metadata request); a producer does.
    const kafka = kafkaClient(other.brokers);
    const admin = kafka.admin();
    withCleanup({ stop: () => admin.disconnect() });
    await admin.connect();
    // Internal topics aside, and the one kcat consumes to keep the mock cluster alive.
    expect((await admin.listTopics()).filter((t) => !t.startsWith('__') && t !== 'keepalive')).toEqual([]);
    const producer = kafka.producer();
    withCleanup({ stop: () => producer.disconnect() });
    await producer.connect();
    const topic = uniqueName('auto');
    await producer.send({ topic, messages: [{ value: 'first' }] });
    const offsets = await admin.fetchTopicOffsets(topic);
    // The suite assumes 4 auto-created partitions on either kind of broker.
    expect(offsets.map((o) => o.partition).sort()).toEqual([0, 1, 2, 3]);
    expect(offsets.reduce((sum, o) => sum + Number(o.high), 0)).toBe(1);
    await producer.disconnect();
    await admin.disconnect();

    await other.stop();
    await other.stop(); // and again from withCleanup: must be harmless
  });
});

// What only a real broker can do, and what the scenarios that stop brokers rely on.
describe.skipIf(sharedKafkaKind() !== 'kafka')('real Kafka (skipped on the mock cluster: it has no controller for kafkajs)', () => {
  it('creates topics through the admin API and takes an idempotent producer', async () => {
    const kafka = kafkaClient(sharedKafkaBrokers());
    const admin = kafka.admin();
    withCleanup({ stop: () => admin.disconnect() });
    await admin.connect();
    const topic = uniqueName('created');
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    });
    const [meta] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    expect(meta!.partitions).toHaveLength(3);

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    withCleanup({ stop: () => producer.disconnect() });
    await producer.connect();
    await producer.send({ topic, messages: [0, 1, 2].map((p) => ({ key: `k${p}`, value: `v${p}`, partition: p })) });
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.map((o) => [o.partition, o.high]).sort()).toEqual([
      [0, '1'],
      [1, '1'],
      [2, '1'],
    ]);
  });

  it('keeps a 3-node cluster serving while one node is stopped, and takes it back', async () => {
    const cluster = withCleanup(await startKafkaBroker({ brokers: 3 }));
    if (cluster.kind !== 'kafka') throw new Error(`expected a real Kafka cluster, got ${cluster.kind}`);
    expect(cluster.brokers).toHaveLength(3);
    const kafka = kafkaClient(cluster.brokers);
    const admin = kafka.admin();
    withCleanup({ stop: () => admin.disconnect() });
    await admin.connect();
    expect((await admin.describeCluster()).brokers.map((b) => b.nodeId).sort()).toEqual([1, 2, 3]);

    const topic = uniqueName('replicated');
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 2, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    withCleanup({ stop: () => producer.disconnect() });
    await producer.connect();
    const send = (from: number) =>
      producer.send({ topic, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${from + i}`, partition: i % 2 })) });
    await send(0);

    await cluster.stopBroker(1);
    await until('node 2 to leave the metadata', async () =>
      (await admin.describeCluster()).brokers.some((b) => b.nodeId === 2) ? undefined : true,
    );
    await send(10); // two in-sync replicas left: acks=all writes still succeed

    await cluster.startBroker(1);
    expect((await admin.describeCluster()).brokers.map((b) => b.nodeId).sort()).toEqual([1, 2, 3]);
    await send(20);

    const ends = await admin.fetchTopicOffsets(topic);
    expect(ends.reduce((sum, o) => sum + Number(o.high), 0)).toBe(30);
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
      { source: 'dst', label: 'content', sha256: sha256(body), size: body.length, expectedSha256: sha256(body), expectedSha256In: 'query', skipIdentify: false },
    ]);

    const bad = await fetch(url('dst', 'content'), {
      method: 'POST',
      body: Buffer.from('other bytes'),
      headers: { 'x-expected-sha256': sha256(body) },
    });
    expect(bad.status).toBe(400);
    expect(streams.posted).toHaveLength(1);
  });

  it("takes the platform's restore request (skip-identify=true&expected-sha256= in the query), verifying the hash against the body", async () => {
    const body = Buffer.from('platform restore bytes');
    const platformPost = (sha: string | undefined, bytes: Buffer) =>
      fetch(`${url('dst', 'content')}?skip-identify=true${sha === undefined ? '' : `&expected-sha256=${sha}`}`, { method: 'POST', body: bytes });
    const before = streams.posted.length;
    expect((await platformPost(sha256(body), Buffer.from('not these bytes'))).status).toBe(400);
    expect((await platformPost(undefined, body)).status).toBe(400);
    expect(streams.posted).toHaveLength(before);
    expect((await platformPost(sha256(body), body)).status).toBe(200);
    expect(streams.posted.slice(before)).toEqual([
      { source: 'dst', label: 'content', sha256: sha256(body), size: body.length, expectedSha256: sha256(body), expectedSha256In: 'query', skipIdentify: true },
    ]);
    expect(streams.get(sha256(body))).toEqual(body);
    expect(streams.requests.at(-1)).toEqual({ method: 'POST', path: '/api/v3/stream/dst/content', query: { 'skip-identify': 'true', 'expected-sha256': sha256(body) } });
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
