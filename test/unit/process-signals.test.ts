import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ExitCode, type ExitCodeValue } from '../../src/exit-codes.js';
import { createLogger } from '../../src/observability/logger.js';
import { ProcessSignals, type ShutdownSignal } from '../../src/process-signals.js';

const logger = createLogger('silent');

function installed() {
  const target = new EventEmitter();
  const exits: ExitCodeValue[] = [];
  const stderr = new PassThrough();
  let said = '';
  stderr.on('data', (chunk: Buffer) => (said += chunk.toString()));
  const signals = new ProcessSignals({ exit: (code) => exits.push(code), stderr });
  signals.install(target as unknown as NodeJS.Process);
  return { target, exits, signals, said: () => said };
}

describe('ProcessSignals', () => {
  it('listens on SIGTERM and SIGINT once, for good: no route change adds or removes a listener', () => {
    const { target, signals } = installed();
    const counts = () => [target.listenerCount('SIGTERM'), target.listenerCount('SIGINT')];
    expect(counts()).toEqual([1, 1]);
    signals.routeToShutdown(logger, () => {});
    expect(counts()).toEqual([1, 1]);
    signals.decided(ExitCode.ok);
    expect(counts()).toEqual([1, 1]);
    target.emit('SIGTERM');
    expect(counts()).toEqual([1, 1]);
  });

  it('exits at once with 130, and says so, while no ordered shutdown is routed (startup, restore)', () => {
    const { target, exits, said } = installed();
    target.emit('SIGINT');
    expect(exits).toEqual([ExitCode.interrupted]);
    expect(said()).toContain('SIGINT');
  });

  it('routes the first signal to the ordered shutdown and exits with 130 on the second', () => {
    const { target, exits, signals } = installed();
    const stops: ShutdownSignal[] = [];
    signals.routeToShutdown(logger, (signal) => stops.push(signal));
    target.emit('SIGTERM');
    expect(stops).toEqual(['SIGTERM']);
    expect(exits).toEqual([]);
    target.emit('SIGINT');
    expect(stops).toEqual(['SIGTERM']);
    expect(exits).toEqual([ExitCode.interrupted]);
  });

  it('exits with the decided code once the run has one, whatever came before; a later route cannot undo it', () => {
    const { target, exits, signals } = installed();
    const stops: ShutdownSignal[] = [];
    signals.routeToShutdown(logger, (signal) => stops.push(signal));
    target.emit('SIGTERM');
    signals.decided(ExitCode.partial);
    signals.routeToShutdown(logger, (signal) => stops.push(signal));
    target.emit('SIGTERM');
    target.emit('SIGINT');
    expect(stops).toEqual(['SIGTERM']);
    expect(exits).toEqual([ExitCode.partial, ExitCode.partial]);
  });
});
