import { describe, expect, it } from 'vitest';
import { freePorts } from '../../../scripts/local/free-ports.js';
import { ExitCode } from '../../../src/exit-codes.js';
import { writeFixtureBackup } from '../../helpers/backup-fixture.js';
import { newBackupTarget } from '../../helpers/backup-target.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { uniqueName } from '../../helpers/names.js';
import { spawnStreamvault, type LogLine, type StreamvaultProcess } from '../../helpers/streamvault-process.js';
import { until } from '../../helpers/until.js';

/** What an operator reads: the plain stderr lines and the error-level log lines. */
function errorsSeen(run: StreamvaultProcess): { stderrLines: string[]; errorLogs: LogLine[] } {
  return {
    stderrLines: run.stderrText().split('\n').filter((l) => l.trim() !== ''),
    errorLogs: run.logs.filter((l) => l.level === 'error' || l.level === 'fatal'),
  };
}

async function answer(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.text() };
}

describe('an unreachable broker: a fast, clear failure (built CLI, issue 16 item 1)', () => {
  // The test timeouts are the bound: the connect timeout plus the start, well under a minute.
  it('the daemon serves /healthz while it waits, then exits 1 with one error line naming the brokers, and logs nothing after "shutdown complete"', { timeout: 60_000 }, async () => {
    const [brokerPort, metricsPort] = await freePorts(2);
    const brokers = [`127.0.0.1:${brokerPort}`];
    const { env } = await newBackupTarget('daemon-nobroker', {
      pairs: { 'samples/sourced': uniqueName('nobroker') },
      brokers,
      extra: { STREAMVAULT_METRICS_ENABLED: 'true', STREAMVAULT_METRICS_PORT: String(metricsPort), STREAMVAULT_KAFKA_CONNECT_TIMEOUT_SECONDS: '10' },
    });
    const run = withCleanup(spawnStreamvault(['backup'], env));
    // A liveness probe sees the process alive while it is still trying its brokers.
    const healthz = await until('/healthz to answer', async () => {
      const exitedEarly = await Promise.race([run.exited.then(() => true), Promise.resolve(false)]);
      if (exitedEarly) throw new Error(`exited before /healthz answered: ${run.stderrText()}`);
      return answer(`http://127.0.0.1:${metricsPort}/healthz`);
    });
    expect(healthz.status).toBe(200);
    const readyz = await answer(`http://127.0.0.1:${metricsPort}/readyz`);
    expect(readyz.status).toBe(503);
    expect(readyz.body).toContain(`connecting to the Kafka brokers ${brokers[0]}`);

    expect(await run.exited, run.stderrText()).toBe(ExitCode.failure);
    const { stderrLines, errorLogs } = errorsSeen(run);
    expect(stderrLines, run.stderrText()).toHaveLength(1);
    expect(stderrLines[0]).toContain(`cannot reach the Kafka brokers ${brokers[0]} within 10 s`);
    expect(stderrLines[0]).toContain('ECONNREFUSED');
    expect(errorLogs.map((l) => l.msg)).toEqual([stderrLines[0]!.replace(/^streamvault: /, '')]);
    // kafkajs's own retry chatter (hundreds of lines before) stays out of the way.
    expect(run.logs.filter((l) => 'kafka' in l), JSON.stringify(run.logs)).toEqual([]);
    expect(run.logs.at(-1)?.msg).toBe('shutdown complete');
  });

  it('restore exits 1 with one error naming the target brokers', { timeout: 60_000 }, async () => {
    const [brokerPort] = await freePorts(1);
    const brokers = [`127.0.0.1:${brokerPort}`];
    const { env, store, layout } = await newBackupTarget('restore-nobroker', {
      extra: { STREAMVAULT_RESTORE_KAFKA_BROKERS: brokers[0]!, STREAMVAULT_RESTORE_STREAM_TARGET: 'none', STREAMVAULT_KAFKA_CONNECT_TIMEOUT_SECONDS: '5' },
    });
    await writeFixtureBackup(store, layout);
    const run = withCleanup(spawnStreamvault(['restore'], env));
    expect(await run.exited, `${run.stderrText()}\n${JSON.stringify(run.logs)}`).toBe(ExitCode.failure);
    const { errorLogs } = errorsSeen(run);
    expect(errorLogs, JSON.stringify(run.logs)).toHaveLength(1);
    expect(errorLogs[0]!.msg).toContain(`cannot reach the Kafka brokers ${brokers[0]} within 5 s`);
    expect(run.logs.filter((l) => 'kafka' in l)).toEqual([]);
  });

  it('a broker address without a port is a configuration error (exit 2) saying what was expected and what arrived', { timeout: 30_000 }, async () => {
    const { env } = await newBackupTarget('broker-noport', { pairs: { 'samples/sourced': uniqueName('noport') }, brokers: ['localhost'] });
    const run = withCleanup(spawnStreamvault(['backup', '--once'], env));
    expect(await run.exited, run.stderrText()).toBe(ExitCode.badConfiguration);
    expect(run.stderrText()).toContain('STREAMVAULT_KAFKA_BROKERS');
    expect(run.stderrText()).toContain('expected host:port');
    expect(run.stderrText()).toContain('got "localhost"');
  });
});
