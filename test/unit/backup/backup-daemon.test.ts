import { describe, expect, it } from 'vitest';
import { BackupDaemon } from '../../../src/backup/backup-daemon.js';
import type { PairWorker } from '../../../src/backup/pair-worker.js';
import type { StreamPipeline } from '../../../src/streams/stream-pipeline.js';
import { ExitCode } from '../../../src/exit-codes.js';
import { createLogger } from '../../../src/observability/logger.js';

function fakes(options: { drainFails?: boolean; drainHangs?: boolean } = {}) {
  const calls: string[] = [];
  let requestStreamsStop!: (reason: string) => void;
  const worker = (name: string) =>
    ({
      pair: { source: 's', event: name, topic: `s.${name}` },
      stats: { backedUp: 0, batches: 0, bytes: 0, malformed: 0, lastDurableAt: undefined },
      committedOffsets: () => ({}),
      start: async () => void calls.push(`start ${name}`),
      drain: async () => {
        calls.push(`drain ${name}`);
        if (options.drainFails) throw new Error('S3 unreachable');
      },
    }) as unknown as PairWorker;
  const streams: StreamPipeline = {
    persist: async () => {},
    start: async () => void calls.push('streams start'),
    drainHitCache: async () => void calls.push('hit cache drain'),
    drainPool: async (graceMs) => {
      calls.push(`pool drain ${graceMs}`);
      return { unfinished: 0 };
    },
    stopRequested: new Promise((resolve) => {
      requestStreamsStop = resolve;
    }),
  };
  const workers = [worker('a'), worker('b')];
  // The shared consumer starts and drains the workers (backup-consumer.ts).
  const consumer = {
    start: async () => {
      for (const w of workers) await w.start();
    },
    drain: async () => {
      if (options.drainHangs) {
        calls.push('drain hangs');
        return new Promise<void>(() => {});
      }
      for (const w of workers) await w.drain().catch(() => undefined);
      if (options.drainFails) throw new Error('S3 unreachable');
    },
  };
  const daemon = new BackupDaemon({
    consumer,
    workers,
    streams,
    logger: createLogger('silent'),
    shutdownGraceMs: 2500,
    onStopped: async () => void calls.push('stopped'),
  });
  return { daemon, calls, requestStreamsStop: (r: string) => requestStreamsStop(r) };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('BackupDaemon', () => {
  it('starts the streams before the workers, and on a signal shuts down in order, exiting 0', async () => {
    const { daemon, calls } = fakes();
    const running = daemon.run();
    await settle();
    expect(daemon.state).toBe('running');
    daemon.requestStop({ kind: 'signal', signal: 'SIGTERM' });
    expect(await running).toBe(ExitCode.ok);
    expect(calls).toEqual(['streams start', 'start a', 'start b', 'drain a', 'drain b', 'hit cache drain', 'pool drain 2500', 'stopped']);
    expect(daemon.state).toBe('stopped');
  });

  it('runs every later phase even when the workers fail to flush', async () => {
    const { daemon, calls } = fakes({ drainFails: true });
    const running = daemon.run();
    await settle();
    daemon.requestStop({ kind: 'signal', signal: 'SIGINT' });
    expect(await running).toBe(ExitCode.ok);
    expect(calls.slice(-3)).toEqual(['hit cache drain', 'pool drain 2500', 'stopped']);
  });

  it('moves on to the streams once phase 1 has used its grace (what is not committed is re-read at the next start)', async () => {
    const { daemon, calls } = fakes({ drainHangs: true });
    const running = daemon.run();
    await settle();
    daemon.requestStop({ kind: 'signal', signal: 'SIGTERM' });
    expect(await running).toBe(ExitCode.ok);
    expect(calls.slice(-4)).toEqual(['drain hangs', 'hit cache drain', 'pool drain 2500', 'stopped']);
  });

  it('exits with the state-directory code when the stream pipeline can make nothing more durable', async () => {
    const { daemon, requestStreamsStop } = fakes();
    const running = daemon.run();
    await settle();
    requestStreamsStop('state directory unusable: journal damaged');
    expect(await running).toBe(ExitCode.stateDirUnusable);
  });

  it('exits with the failure code on a fatal error, and the first stop reason wins', async () => {
    const { daemon } = fakes();
    const running = daemon.run();
    await settle();
    daemon.requestStop({ kind: 'fatal', error: new Error('consumer crashed') });
    daemon.requestStop({ kind: 'signal', signal: 'SIGTERM' });
    expect(await running).toBe(ExitCode.failure);
    expect(daemon.state).toBe('failed');
  });
});
