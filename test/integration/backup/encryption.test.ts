// Client-side encryption end to end: the built daemon (`backup --once`) seals event objects and
// stream blobs with AES-256-GCM; the raw objects in s3rver hold none of the records' or blobs'
// bytes; verify --read-data, get and restore give back the originals; a rotated key still opens
// old objects when listed as an old key; a missing key names its id; a flipped byte is damage.
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newBackupTarget } from '../../helpers/backup-target.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { uniqueName } from '../../helpers/names.js';
import { refEvent, refEventSettings } from '../../helpers/ref-event.js';
import { runCliCaptured } from '../../helpers/run-cli-captured.js';
import { s3ClientFor } from '../../helpers/s3-server.js';
import { sharedKafkaBrokers, sharedKafkaKind, sharedS3Endpoint } from '../../helpers/shared-servers.js';
import { startStreamServer } from '../../helpers/stream-server.js';
import { spawnStreamvault } from '../../helpers/streamvault-process.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { testProducer } from '../../helpers/test-producer.js';
import { newStateDir, readTopic, restoreEnv, runRestoreCli } from '../restore/restore-fixtures.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const EVENTS = 30;

let producer: Producer;
beforeAll(async () => {
  producer = testProducer(new Kafka({ brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING }));
  await producer.connect();
});
afterAll(async () => {
  await producer?.disconnect();
});

describe('client-side encryption end to end (built CLI, real broker, s3rver)', { timeout: 240_000 }, () => {
  it('stores no plaintext, reads back byte for byte, rotates keys, names a missing key id, detects tampering', async () => {
    const client = s3ClientFor(sharedS3Endpoint());
    const raw = async (key: string) => Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: target.bucket, Key: key }))).Body!.transformToByteArray());
    const source = withCleanup(await startStreamServer());
    const topic = uniqueName('encrypt');
    // Random bytes survive gzip verbatim (stored blocks): only the encryption hides them.
    const blobs = [randomBytes(200_000), Buffer.from(`known blob text ${topic} `.repeat(3000))];
    for (const blob of blobs) source.put('samples', 'content', blob);
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const dir = makeTempDir('encryption-keys-');
    writeFileSync(join(dir, 'key'), `${oldKey.toString('base64')}\n`);
    writeFileSync(join(dir, 'old-keys'), `# rotated\nk1=${oldKey.toString('hex')}\n`);
    const withOldKey = { STREAMVAULT_ENCRYPTION_KEY_FILE: join(dir, 'key'), STREAMVAULT_ENCRYPTION_KEY_ID: 'k1' };

    const target = await newBackupTarget('encrypt', {
      pairs: { 'samples/sourced': topic },
      extra: {
        ...refEventSettings(),
        STREAMVAULT_STREAM_SOURCE_URL: source.baseUrl,
        // No codec: the container would hold the records verbatim, so their absence proves the sealing.
        STREAMVAULT_AVRO_CODEC: 'null',
        STREAMVAULT_STREAM_COMPRESSION: 'gzip',
        STREAMVAULT_BATCH_MAX_EVENTS: '10',
        ...withOldKey,
      },
    });
    const values = Array.from({ length: EVENTS }, (_, i) => refEvent('samples', [{ label: 'content', sha256: sha256(blobs[i % blobs.length]!) }]));
    await producer.send({ topic, messages: values.map((value, i) => ({ key: `k${i % 3}`, value })) });
    const backup = withCleanup(spawnStreamvault(['backup', '--once'], target.env));
    expect(await backup.exited, backup.stderrText()).toBe(0);

    // The raw objects: a header naming key id k1, metadata naming it too, no plaintext anywhere.
    const eventKeys: string[] = [];
    for await (const o of target.store.list('events/')) eventKeys.push(o.key);
    expect(eventKeys.length).toBe(EVENTS / 10);
    for (const key of eventKeys) {
      const bytes = await raw(key);
      expect(bytes.subarray(0, 7).toString('latin1')).toBe('SVAE\u0001\u0002k');
      expect(bytes.includes(Buffer.from('Obj\u0001'))).toBe(false);
      for (const value of values) expect(bytes.includes(value.subarray(0, 24))).toBe(false);
      for (const blob of blobs) expect(bytes.includes(Buffer.from(sha256(blob)))).toBe(false);
      expect(bytes.includes(Buffer.from(topic))).toBe(false);
      expect((await client.send(new HeadObjectCommand({ Bucket: target.bucket, Key: key }))).Metadata).toMatchObject({ 'encryption-key-id': 'k1' });
    }
    for (const blob of blobs) {
      const key = target.layout.streamKey(sha256(blob));
      const bytes = await raw(key);
      expect(bytes.includes(blob.subarray(1000, 1032))).toBe(false);
      expect(bytes.includes(Buffer.from(`known blob text`))).toBe(false);
      expect((await target.store.head(key))!.metadata).toMatchObject({ sha256: sha256(blob), encoding: 'gzip,aes256gcm', 'encryption-key-id': 'k1' });
    }

    // Read back with the key: verify, get stream (the original bytes), get events (the records).
    const verify = await runCliCaptured(['verify', '--read-data'], target.env);
    expect(verify.code, verify.err + verify.out).toBe(0);
    // stats: sealed gzip blobs count as compressed, at their content size; aes256gcm is not compression.
    const stats = await runCliCaptured(['stats', '--json'], target.env);
    expect(stats.code, stats.err).toBe(0);
    const parsed = JSON.parse(stats.out) as { streams: { compressed: number; contentBytes: number } };
    expect(parsed.streams.compressed).toBe(blobs.length);
    expect(parsed.streams.contentBytes).toBe(blobs.reduce((n, b) => n + b.length, 0));
    const out = join(dir, 'blob0');
    const get = await runCliCaptured(['get', 'stream', sha256(blobs[0]!), '-o', out], target.env);
    expect(get.code, get.err).toBe(0);
    expect(readFileSync(out).equals(blobs[0]!)).toBe(true);
    const events = await runCliCaptured(['get', 'events', eventKeys[0]!, '--json'], target.env);
    expect(events.code, events.err).toBe(0);
    const printed = events.out.trim().split('\n').map((l) => JSON.parse(l) as { value: unknown; value_encoding: string });
    expect(printed.length).toBe(10);
    for (const p of printed) {
      if (p.value_encoding === 'base64') expect(values.map((v) => v.toString('base64'))).toContain(p.value);
      else expect(blobs.map(sha256).some((sha) => JSON.stringify(p.value).includes(sha)), JSON.stringify(p)).toBe(true);
    }

    // Rotation: a new current key, the old one as an old key: old objects still read.
    const rotated = {
      ...target.env,
      STREAMVAULT_ENCRYPTION_KEY_FILE: '',
      STREAMVAULT_ENCRYPTION_KEY: newKey.toString('hex'),
      STREAMVAULT_ENCRYPTION_KEY_ID: 'k2',
      STREAMVAULT_ENCRYPTION_OLD_KEYS_FILE: join(dir, 'old-keys'),
    };
    const verifyRotated = await runCliCaptured(['verify', '--read-data'], rotated);
    expect(verifyRotated.code, verifyRotated.err + verifyRotated.out).toBe(0);
    const restoredStreams = withCleanup(await startStreamServer());
    const restore = await runRestoreCli(
      ['--json'],
      restoreEnv(target, sharedKafkaBrokers(), newStateDir(), {
        STREAMVAULT_RESTORE_STREAM_URL: restoredStreams.baseUrl,
        STREAMVAULT_RESTORE_TOPIC_TEMPLATE: '{topic}-restored',
        STREAMVAULT_ENCRYPTION_KEY: newKey.toString('hex'),
        STREAMVAULT_ENCRYPTION_KEY_ID: 'k2',
        STREAMVAULT_ENCRYPTION_OLD_KEYS_FILE: join(dir, 'old-keys'),
      }),
    );
    expect(restore.code, restore.stderr).toBe(0);
    const restored = await readTopic(sharedKafkaBrokers(), `${topic}-restored`);
    expect(restored.map((r) => Buffer.from(r.value!).toString('base64')).sort()).toEqual(values.map((v) => v.toString('base64')).sort());
    expect(restoredStreams.posted.map((p) => p.sha256).sort()).toEqual(blobs.map(sha256).sort());
    expect(restoredStreams.posted.every((p) => p.sha256 === p.expectedSha256)).toBe(true);

    // A drill (restore into scratch topics, compare every record and blob) reads it too. Real Kafka
    // only: the drill creates and deletes its scratch topics through the controller.
    if (sharedKafkaKind() === 'kafka') {
      const drillState = newStateDir();
      const drill = await runCliCaptured(
        ['drill', '--report', join(drillState, 'report.json'), '--topic-prefix', `${uniqueName('drill')}-`],
        restoreEnv(target, sharedKafkaBrokers(), drillState, {
          STREAMVAULT_ENCRYPTION_KEY: newKey.toString('hex'),
          STREAMVAULT_ENCRYPTION_KEY_ID: 'k2',
          STREAMVAULT_ENCRYPTION_OLD_KEYS_FILE: join(dir, 'old-keys'),
        }),
      );
      expect(drill.code, drill.err).toBe(0);
      const report = JSON.parse(readFileSync(join(drillState, 'report.json'), 'utf8')) as Record<string, unknown>;
      expect(JSON.stringify(report)).not.toContain('fails authentication');
    }

    // Without the old key: the error names key id k1, never a key.
    const withoutOld = { ...rotated, STREAMVAULT_ENCRYPTION_OLD_KEYS_FILE: '' };
    const getMissing = await runCliCaptured(['get', 'stream', sha256(blobs[1]!), '-o', join(dir, 'never')], withoutOld);
    expect(getMissing.code).not.toBe(0);
    expect(getMissing.err).toContain('encrypted with key id "k1"');
    const verifyMissing = await runCliCaptured(['verify', '--read-data'], withoutOld);
    expect(verifyMissing.code).toBe(4);
    expect(verifyMissing.out + verifyMissing.err).toContain('encrypted with key id "k1"');
    for (const text of [getMissing.err, getMissing.out, verifyMissing.out, verifyMissing.err]) {
      for (const key of [oldKey, newKey]) {
        expect(text).not.toContain(key.toString('hex'));
        expect(text).not.toContain(key.toString('base64'));
      }
    }

    // Tampering: one flipped byte in an events object and in a stream object.
    const flip = async (key: string, at: number) => {
      const head = await client.send(new HeadObjectCommand({ Bucket: target.bucket, Key: key }));
      const bytes = await raw(key);
      bytes[at]! ^= 0x40;
      await client.send(new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: bytes, Metadata: head.Metadata }));
    };
    const tamperedEvents = eventKeys[1]!;
    const tamperedStream = target.layout.streamKey(sha256(blobs[0]!));
    await flip(tamperedEvents, 100);
    await flip(tamperedStream, 70_000);
    const verifyTampered = await runCliCaptured(['verify', '--read-data', '--json'], target.env);
    expect(verifyTampered.code, verifyTampered.err).toBe(4);
    const damage = `${verifyTampered.out}\n${verifyTampered.err}`;
    expect(damage).toContain(tamperedEvents);
    expect(damage).toContain(tamperedStream);
    expect(damage).toMatch(/fails authentication/);
    for (const key of eventKeys.filter((k) => k !== tamperedEvents)) expect(damage).not.toContain(key);
    const getTampered = await runCliCaptured(['get', 'stream', sha256(blobs[0]!), '-o', join(dir, 'tampered')], target.env);
    expect(getTampered.code).not.toBe(0);
    const tamperedTarget = withCleanup(await startStreamServer());
    const restoreTampered = await runRestoreCli(
      ['--json'],
      restoreEnv(target, sharedKafkaBrokers(), newStateDir(), {
        STREAMVAULT_RESTORE_STREAM_URL: tamperedTarget.baseUrl,
        STREAMVAULT_RESTORE_TOPIC_TEMPLATE: '{topic}-tampered',
        ...withOldKey,
      }),
    );
    expect(restoreTampered.code).not.toBe(0);
    expect(restoreTampered.stderr + restoreTampered.stdout).toMatch(/fails authentication/);
    expect(tamperedTarget.posted.map((p) => p.sha256)).not.toContain(sha256(blobs[0]!));
  });
});
