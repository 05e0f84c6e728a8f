import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { newBackupTarget } from '../../helpers/backup-target.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { uniqueName } from '../../helpers/names.js';
import { readBackup } from '../../helpers/read-backup.js';
import { sharedKafkaBrokers } from '../../helpers/shared-servers.js';
import { spawnStreamvault } from '../../helpers/streamvault-process.js';
import { testProducer } from '../../helpers/test-producer.js';

describe('streamvault backup --once (built CLI, real broker, real S3)', () => {
  it('backs up exactly the events present at start, prints monotonic JSON progress and a summary, and exits 0', async () => {
    const kafka = new Kafka({ brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING });
    const producer = testProducer(kafka);
    const admin = kafka.admin();
    withCleanup({ stop: async () => void (await Promise.allSettled([producer.disconnect(), admin.disconnect()])) });
    await Promise.all([producer.connect(), admin.connect()]);

    const topic = uniqueName('once');
    const N = 120;
    await producer.send({
      topic,
      messages: Array.from({ length: N }, (_, i) => ({ partition: i % 4, key: `k${i}`, value: Buffer.from(`value-${i}`) })),
    });
    const { env, group, store, layout } = await newBackupTarget('once', {
      pairs: { 'samples/sourced': topic },
      // Batches by count, and an age limit far beyond the test: the run must not wait for it.
      extra: { STREAMVAULT_BATCH_MAX_EVENTS: '25', STREAMVAULT_BATCH_MAX_AGE_SECONDS: '600' },
    });

    const run = withCleanup(spawnStreamvault(['backup', '--once', '--json'], env));
    expect(await run.exited, run.stderrText()).toBe(0);

    const lines = run.stdout().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const statuses = lines.filter((l) => l.message_type === 'status');
    const summary = lines.find((l) => l.message_type === 'summary')!;
    expect(lines.at(-1)).toBe(summary);
    expect(statuses.length).toBeGreaterThan(0);
    const percents = statuses.map((s) => s.percent_done as number);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents.at(-1)).toBe(1);
    for (const s of statuses) expect(s).toMatchObject({ phase: 'events', total_files: N });
    expect(summary).toMatchObject({ events_backed_up: N, events_expected: N, files_done: N, error_count: 0, incomplete_partitions: [], exit_code: 0 });

    // The data: every produced event, no more, and the group committed to the end.
    const contents = await readBackup(store, layout);
    expect(contents.indexed).toBe(true);
    expect(contents.records.size).toBe(N);
    const values = [...contents.records.values()].map((r) => r.value!.toString()).sort();
    expect(values).toEqual(Array.from({ length: N }, (_, i) => `value-${i}`).sort());
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    for (const end of ends) expect(committed!.partitions.find((p) => p.partition === end.partition)!.offset).toBe(end.high);
    expect(run.logs.some((l) => l.msg === 'shutdown complete')).toBe(true);

    // A second run has nothing left to do: it ends at once with an empty plan.
    const again = withCleanup(spawnStreamvault(['backup', '--once', '--json'], env));
    expect(await again.exited).toBe(0);
    expect(again.logs.some((l) => l.msg === 'joined consumer group')).toBe(false);
    const againSummary = again.stdout().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).at(-1)!;
    expect(againSummary).toMatchObject({ message_type: 'summary', events_backed_up: 0, events_expected: 0 });
  });
});
