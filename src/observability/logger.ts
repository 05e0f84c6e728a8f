import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON lines on stderr, so stdout stays free for machine-readable progress (`--json`). Secret
 * fields are redacted wherever they appear, as a second line of defence: config values are
 * never logged whole in the first place.
 */
export function createLogger(level: string, destination: NodeJS.WritableStream | number = 2): Logger {
  return pino(
    {
      level,
      base: { service: 'streamvault' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: [
          'password',
          '*.password',
          'secretAccessKey',
          '*.secretAccessKey',
          'sessionToken',
          '*.sessionToken',
          'credentials',
          '*.credentials',
          'sasl',
          '*.sasl',
          'authorization',
          '*.authorization',
          'headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination,
  );
}
