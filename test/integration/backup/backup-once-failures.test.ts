import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { freePorts } from '../../../scripts/local/free-ports.js';
import { ExitCode } from '../../../src/exit-codes.js';
import { newBackupTarget } from '../../helpers/backup-target.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { startKafkaBroker } from '../../helpers/kafka-broker.js';
import { uniqueName } from '../../helpers/names.js';
import { waitForBackup } from '../../helpers/read-backup.js';
import { sharedKafkaKind } from '../../helpers/shared-servers.js';
import { spawnStreamvault } from '../../helpers/streamvault-process.js';
import { testProducer } from '../../helpers/test-producer.js';

describe('backup --once failure paths end the process with a documented code (built CLI)', () => {
  it('exits with the failure code, naming the brokers, when nothing listens at the broker address', { timeout: 60_000 }, async () => {
    const [port] = await freePorts(1);
    const brokers = [`127.0.0.1:${port}`];
    // The default connect timeout (20 s): the test's timeout is the bound, a hang fails it.
    const { env } = await newBackupTarget('once-nobroker', { pairs: { 'samples/sourced': uniqueName('nobroker') }, brokers });
    const run = withCleanup(spawnStreamvault(['backup', '--once'], env));
    expect(await run.exited, run.stderrText()).toBe(ExitCode.failure);
    const stderrLines = run.stderrText().split('\n').filter((l) => l.trim() !== '');
    expect(stderrLines, run.stderrText()).toEqual([expect.stringContaining(`cannot reach the Kafka brokers ${brokers[0]} within 20 s`)]);
    const errors = run.logs.filter((l) => l.level === 'error' || l.level === 'fatal');
    expect(errors.map((l) => l.msg)).toEqual([stderrLines[0]!.replace(/^streamvault: /, '')]);
    expect(run.logs.at(-1)?.msg).toBe('shutdown complete');
  });

  it.skipIf(sharedKafkaKind() !== 'kafka')('exits (does not hang) when its broker is SIGKILLed mid-run (real Kafka only: the mock cluster cannot stop one broker)', { timeout: 300_000 }, async () => {
    const cluster = withCleanup(await startKafkaBroker({ kind: 'kafka', startTimeoutMs: 180_000 }));
    const kafka = new Kafka({ brokers: cluster.brokers, logLevel: logLevel.NOTHING });
    const producer = testProducer(kafka);
    withCleanup({ stop: async () => void (await producer.disconnect().catch(() => {})) });
    await producer.connect();
    const topic = uniqueName('once-kill');
    for (let i = 0; i < 20; i++) {
      await producer.send({ topic, messages: Array.from({ length: 500 }, (_, j) => ({ partition: j % 4, value: Buffer.from(`v-${i}-${j}`) })) });
    }
    await producer.disconnect();
    const { env, store, layout } = await newBackupTarget('once-kill', {
      pairs: { 'samples/sourced': topic },
      brokers: cluster.brokers,
      // Small batches, written slowly enough that the broker dies mid-run.
      extra: { STREAMVAULT_BATCH_MAX_EVENTS: '50', STREAMVAULT_BATCH_MAX_AGE_SECONDS: '600' },
    });
    const run = withCleanup(spawnStreamvault(['backup', '--once'], env));
    await waitForBackup(store, layout, 50, 120_000);
    if (cluster.kind !== 'kafka') throw new Error('expected a real Kafka cluster');
    await cluster.stopBroker(0, { signal: 'SIGKILL' });
    const code = await run.exited;
    // Either it finished before the kill took effect (0), or it failed with the documented code.
    expect([ExitCode.ok, ExitCode.failure, ExitCode.partial], run.stderrText()).toContain(code);
    if (code === ExitCode.failure) {
      const errors = run.logs.filter((l) => l.level === 'error' || l.level === 'fatal').map((l) => JSON.stringify(l));
      expect(errors.join('\n')).toContain(cluster.brokers[0]);
    }
    // Every client was closed with its retries done: kafkajs logs nothing after the last line.
    expect(run.logs.at(-1)?.msg, JSON.stringify(run.logs.slice(-5))).toBe('shutdown complete');
  });
});
