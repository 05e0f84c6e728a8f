import { ExitCode } from '../exit-codes.js';
import type { Logger } from '../observability/logger.js';

/**
 * First SIGTERM/SIGINT: ordered shutdown. Second: exit at once; everything acknowledged is in S3
 * or the journal already, so abandoning in-flight work loses nothing.
 */
export function onShutdownSignals(logger: Logger, stop: (signal: string) => void): () => void {
  let received = 0;
  const handler = (signal: NodeJS.Signals) => {
    received += 1;
    if (received === 1) {
      logger.info({ signal }, 'shutdown requested; a second signal exits at once');
      stop(signal);
      return;
    }
    logger.warn({ signal }, 'second signal: exiting now; unfinished work stays journaled');
    process.exit(ExitCode.interrupted);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}
