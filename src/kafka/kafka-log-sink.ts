import { logLevel as KafkaLogLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from '../observability/logger.js';

/** A repeat of the same kafkajs line within this window is counted, not logged. */
export const REPEAT_WINDOW_MS = 60_000;

/**
 * kafkajs warnings about choices streamvault made on purpose, by namespace and message: logged at
 * debug with the reason, so an operator's warnings are only things to act on.
 */
export const ACCOUNTED_FOR: ReadonlyMap<string, string> = new Map([
  [
    'Producer\u0000Limiting retries for the idempotent producer may invalidate EoS guarantees',
    // src/restore/restore-runner.ts: exactly-once does not rest on the producer retrying forever;
    // a partition whose produce failed stops, and the rerun reads the target (it holds a prefix).
    'the restore bounds the idempotent producer\'s retries on purpose: a failed partition stops and its rerun reads the target',
  ],
]);

export interface KafkaLogSinkOptions {
  readonly logger: Logger;
  /** Monotonic milliseconds (the repeat window). */
  readonly now: () => number;
}

/**
 * kafkajs's own log lines, through pino. kafkajs logs every failed connection attempt and every
 * retry at ERROR, so an unreachable broker made hundreds of lines; streamvault itself reports
 * what failed and what it does about it, so kafkajs's errors and warnings become warnings, its
 * info lines debug, and one line (namespace and message) repeated within REPEAT_WINDOW_MS is
 * logged once, the next one after the window carrying how many were left out.
 */
export function kafkaLogSink(options: KafkaLogSinkOptions): { creator: logCreator; level: KafkaLogLevel } {
  const { logger, now } = options;
  const seen = new Map<string, { at: number; suppressed: number }>();
  const log = (entry: LogEntry) => {
    const { message, timestamp: _timestamp, logger: _name, ...extra } = entry.log as LogEntry['log'] & { timestamp?: unknown; logger?: unknown };
    const key = `${entry.namespace}\u0000${message}`;
    const accountedFor = ACCOUNTED_FOR.get(key);
    if (accountedFor !== undefined) {
      logger.debug({ kafka: entry.namespace, reason: accountedFor }, message);
      return;
    }
    const at = now();
    const last = seen.get(key);
    if (last && at - last.at < REPEAT_WINDOW_MS) {
      last.suppressed += 1;
      return;
    }
    seen.set(key, { at, suppressed: 0 });
    if (seen.size > 1000) seen.delete(seen.keys().next().value!);
    const fields = { kafka: entry.namespace, ...extra, ...(last && last.suppressed > 0 ? { repeated: last.suppressed } : {}) };
    if (entry.level <= KafkaLogLevel.WARN) logger.warn(fields, message);
    else if (entry.level === KafkaLogLevel.INFO) logger.debug(fields, message);
    else logger.trace(fields, message);
  };
  return { creator: () => log, level: kafkajsLevelFor(logger) };
}

/** kafkajs formats nothing the logger would drop: its level follows the logger's. */
function kafkajsLevelFor(logger: Logger): KafkaLogLevel {
  if (logger.isLevelEnabled('trace')) return KafkaLogLevel.DEBUG;
  if (logger.isLevelEnabled('debug')) return KafkaLogLevel.INFO;
  return KafkaLogLevel.WARN;
}
