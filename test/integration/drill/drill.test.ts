import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { s3ClientFor } from '../../helpers/s3-server.js';
import { sharedKafkaBrokers, sharedKafkaKind, sharedS3Endpoint } from '../../helpers/shared-servers.js';
import { runCliCaptured } from '../../helpers/run-cli-captured.js';
import { uniqueName } from '../../helpers/names.js';
import { ExitCode } from '../../../src/exit-codes.js';
import { expectedHeaders, headersAsStrings, makeBackup, newStateDir, origin, readTopic, restoreEnv, sha256, writeBatch, type Backup } from '../restore/restore-fixtures.js';

/** Partition 0: two overlapping batches (a replay), 60 records; partition 1: 25; three blobs, one under two labels. */
async function backupWithBlobs(): Promise<{ backup: Backup; blobs: Buffer[] }> {
  const backup = await makeBackup();
  const blobs = [Buffer.from('drill-blob-a '.repeat(200)), Buffer.from('drill-blob-b'), Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 7) % 256))];
  await writeBatch(backup, 0, 0, 40, [
    { label: 'content', content: blobs[0]!, offset: 3 },
    { label: 'safe_png', content: blobs[0]!, offset: 4 },
  ]);
  await writeBatch(backup, 0, 30, 30, [{ label: 'content', content: blobs[1]!, offset: 50 }]);
  await writeBatch(backup, 1, 0, 25, [{ label: 'content', content: blobs[2]!, offset: 10 }]);
  // The location's config, as a daemon writes it: the report names its format version.
  await s3ClientFor(sharedS3Endpoint()).send(
    new PutObjectCommand({
      Bucket: backup.bucket,
      Key: 'streamvault.json',
      Body: JSON.stringify({ format: 'streamvault-repository', version: 1, createdAt: new Date().toISOString(), settings: { keyLayout: 1, eventDecoding: 'none', pairs: { 'samples/sourced': backup.topic } } }),
    }),
  );
  return { backup, blobs };
}

/** The test's own check of the report's seal: sorted keys, no whitespace, sha256, without report_sha256. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

async function drill(backup: Backup, args: string[]): Promise<{ code: number; err: string; report: any }> {
  const stateDir = newStateDir();
  const reportPath = join(stateDir, 'report.json');
  const env = restoreEnv(backup, sharedKafkaBrokers(), stateDir);
  const run = await runCliCaptured(['drill', '--report', reportPath, ...args], env);
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  const { report_sha256: seal, ...rest } = report;
  expect(createHash('sha256').update(canonical(rest)).digest('hex')).toBe(seal);
  return { code: run.code, err: run.err, report };
}

const listTopics = async () => {
  const admin = new Kafka({ clientId: 'drill-test', brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
};

const overwrite = (bucket: string, key: string, body: Buffer) => s3ClientFor(sharedS3Endpoint()).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));

// Real Kafka: the drill creates and deletes its scratch topics through the controller.
describe.skipIf(sharedKafkaKind() !== 'kafka')('streamvault drill (real Kafka only: creates and deletes scratch topics)', { timeout: 300_000 }, () => {
  it('on a good backup exits 0 with counts and hashes equal to the backup, leaves the original topic alone, and deletes its scratch topics', async () => {
    const { backup, blobs } = await backupWithBlobs();
    const prefix = `${uniqueName('drill')}-`;
    const { code, err, report } = await drill(backup, ['--topic-prefix', prefix]);
    expect(code, err).toBe(ExitCode.ok);
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(report).toMatchObject({
      format: 'streamvault-drill-report',
      result: 'passed',
      exit_code: 0,
      tool_version: pkg.version,
      backup: { format: 'streamvault-repository', format_version: 1, key_layout: 1 },
      target: { topic_prefix: prefix, topics: [`${prefix}${backup.topic}`] },
      restore: { exit_code: 0, errors: [] },
      records: { expected: backup.records.length, restored: backup.records.length, matched: backup.records.length, missing: 0, differing: 0, unexpected: 0 },
      blobs: { expected: 4, matched: 4, missing: 0, differing: 0, bytes: blobs[0]!.length * 2 + blobs[1]!.length + blobs[2]!.length },
      differences: { total: 0, shown: [] },
      cleanup: { topics_deleted: true, work_dir_removed: true },
    });
    expect(backup.records.length).toBe(85);
    for (const p of report.records.partitions) {
      expect(p.expected).toBe(backup.records.filter((r) => r.partition === p.partition).length);
      expect(p.restored_sha256).toBe(p.expected_sha256);
    }
    const topics = await listTopics();
    expect(topics).not.toContain(`${prefix}${backup.topic}`);
    expect(topics).not.toContain(backup.topic);
  });

  it('--keep leaves the scratch topic, which holds every record of the backup exactly; --sample 1 drills one batch per partition', async () => {
    const { backup } = await backupWithBlobs();
    const prefix = `${uniqueName('drill')}-`;
    const kept = await drill(backup, ['--topic-prefix', prefix, '--keep']);
    expect(kept.code, kept.err).toBe(ExitCode.ok);
    const restored = await readTopic(sharedKafkaBrokers(), `${prefix}${backup.topic}`);
    expect(restored.map(origin).sort()).toEqual(backup.records.map((r) => `${r.partition}:${r.offset}`).sort());
    for (const r of restored) {
      const want = backup.records.find((b) => `${b.partition}:${b.offset}` === origin(r))!;
      expect(r.value?.toString('hex') ?? null).toBe(want.value?.toString('hex') ?? null);
      expect(headersAsStrings(r.headers)).toEqual(expectedHeaders(want));
    }

    // Partition 0's first batch (0..39) and partition 1's only one (0..24).
    const sampled = await drill(backup, ['--topic-prefix', `${uniqueName('drill')}-`, '--sample', '1']);
    expect(sampled.code, sampled.err).toBe(ExitCode.ok);
    expect(sampled.report.scope.offset_ranges).toEqual([
      { topic: backup.topic, partition: 0, from: '0', to: '39' },
      { topic: backup.topic, partition: 1, from: '0', to: '24' },
    ]);
    expect(sampled.report.records).toMatchObject({ expected: 65, restored: 65, matched: 65, missing: 0 });
    // Streams come with the backup batches that overlap a range (manifests name a stream's event by
    // timestamp, not offset): partition 0's second batch (30..59) overlaps 0..39, so b is drilled too.
    expect(sampled.report.blobs).toMatchObject({ expected: 4, matched: 4 });
  });

  it('exits 4 and names the object when a backup object was overwritten in S3, and reports what it could not restore as missing', async () => {
    const { backup } = await backupWithBlobs();
    const damaged = backup.entries.find((e) => e.partition === 1)!;
    const body = await backup.store.get(damaged.key);
    body[body.length - 10] = body[body.length - 10]! ^ 0xff;
    await overwrite(backup.bucket, damaged.key, body);
    const { code, report } = await drill(backup, ['--topic-prefix', `${uniqueName('drill')}-`]);
    expect(code).toBe(ExitCode.partial);
    expect(report.result).toBe('failed');
    expect(report.differences.shown).toContainEqual(expect.objectContaining({ kind: 'backup-object-unreadable', key: damaged.key }));
    expect(report.differences.shown.find((d: any) => d.kind === 'backup-object-unreadable').reason).toContain(`expected sha256 ${damaged.sha256}`);
    expect(report.restore.errors.map((e: any) => e.item)).toContain(damaged.key);
    expect(report.records).toMatchObject({ matched: 60, restored: 60 });
  });

  it('exits 4 and names the blob when a blob was overwritten in S3', async () => {
    const { backup, blobs } = await backupWithBlobs();
    const sha = sha256(blobs[1]!);
    await overwrite(backup.bucket, backup.layout.streamKey(sha), Buffer.from('not the blob'));
    const { code, report } = await drill(backup, ['--topic-prefix', `${uniqueName('drill')}-`]);
    expect(code).toBe(ExitCode.partial);
    expect(report.differences.shown).toEqual([{ kind: 'blob-missing', sha256: sha, source: 'samples', label: 'content' }]);
    expect(report.blobs).toMatchObject({ expected: 4, matched: 3, missing: 1 });
    expect(report.records).toMatchObject({ matched: backup.records.length, missing: 0 });
  });
});
