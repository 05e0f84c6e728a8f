import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { capturedLogger } from '../../helpers/captured-logger.js';
import { REPEAT_WINDOW_MS, kafkaLogSink } from '../../../src/kafka/kafka-log-sink.js';

function entry(level: logLevel, message: string, extra: Record<string, unknown> = {}) {
  return { namespace: 'Connection', level, label: 'ERROR', log: { timestamp: 't', logger: 'kafkajs', message, ...extra } };
}

describe('kafkaLogSink', () => {
  it('logs kafkajs errors as warnings, a repeat within the window once, the next after it saying how many were left out', () => {
    const { lines, logger } = capturedLogger('info');
    let now = 0;
    const log = kafkaLogSink({ logger, now: () => now }).creator(logLevel.WARN);
    const refused = 'Connection error: connect ECONNREFUSED 127.0.0.1:9';
    for (let i = 0; i < 50; i++) {
      log(entry(logLevel.ERROR, refused, { broker: '127.0.0.1:9' }));
      now += 1000;
    }
    log(entry(logLevel.WARN, 'another message'));
    now += REPEAT_WINDOW_MS;
    log(entry(logLevel.ERROR, refused, { broker: '127.0.0.1:9' }));
    expect(lines.map((l) => [l.level, l.msg, l.repeated])).toEqual([
      ['warn', refused, undefined],
      ['warn', 'another message', undefined],
      ['warn', refused, 49],
    ]);
    expect(lines[0]).toMatchObject({ kafka: 'Connection', broker: '127.0.0.1:9' });
    expect(lines[0]).not.toHaveProperty('timestamp');
  });

  it('maps kafkajs info to debug, and asks kafkajs only for what the logger shows', () => {
    const info = capturedLogger('info');
    const atInfo = kafkaLogSink({ logger: info.logger, now: () => 0 });
    expect(atInfo.level).toBe(logLevel.WARN);
    atInfo.creator(logLevel.WARN)(entry(logLevel.INFO, 'Starting'));
    expect(info.lines).toEqual([]);

    const debug = capturedLogger('debug');
    const atDebug = kafkaLogSink({ logger: debug.logger, now: () => 0 });
    expect(atDebug.level).toBe(logLevel.INFO);
    atDebug.creator(logLevel.INFO)(entry(logLevel.INFO, 'Starting'));
    expect(debug.lines.map((l) => [l.level, l.msg])).toEqual([['debug', 'Starting']]);
  });

  it('logs the warnings streamvault accounts for at debug, with the reason, not as warnings', () => {
    const idempotentRetries = 'Limiting retries for the idempotent producer may invalidate EoS guarantees';
    const atInfo = capturedLogger('info');
    const producerEntry = { ...entry(logLevel.WARN, idempotentRetries), namespace: 'Producer' };
    kafkaLogSink({ logger: atInfo.logger, now: () => 0 }).creator(logLevel.WARN)(producerEntry);
    expect(atInfo.lines).toEqual([]);

    const atDebug = capturedLogger('debug');
    kafkaLogSink({ logger: atDebug.logger, now: () => 0 }).creator(logLevel.WARN)(producerEntry);
    expect(atDebug.lines).toHaveLength(1);
    expect(atDebug.lines[0]).toMatchObject({ level: 'debug', msg: idempotentRetries, kafka: 'Producer' });
    expect(String(atDebug.lines[0]!.reason)).toContain('rerun reads the target');

    // The same message from another namespace is not the one accounted for.
    const other = capturedLogger('info');
    kafkaLogSink({ logger: other.logger, now: () => 0 }).creator(logLevel.WARN)(entry(logLevel.WARN, idempotentRetries));
    expect(other.lines.map((l) => l.level)).toEqual(['warn']);
  });
});
