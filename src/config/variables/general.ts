import { integer, oneOf, positiveNumber, nonEmptyText, variable } from '../variable.js';

export const generalVariables = {
  MODE: variable({
    name: 'MODE',
    schema: oneOf(['backup', 'restore']),
    default: 'backup',
    group: 'general',
    description:
      'What the container runs when no command is given: the backup daemon, or a restore (see the restore runbook).',
  }),
  LOG_LEVEL: variable({
    name: 'LOG_LEVEL',
    schema: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    default: 'info',
    group: 'general',
    description: 'Minimum level of the JSON log lines written to stderr.',
  }),
  STATE_DIR: variable({
    name: 'STATE_DIR',
    schema: nonEmptyText(),
    default: './state',
    group: 'general',
    description:
      'Local file cache: pending and failed stream journals, restore cursors and spool, drill scratch directories. Must be writable and survive restarts (a volume in a container).',
  }),
  SHUTDOWN_GRACE_SECONDS: variable({
    name: 'SHUTDOWN_GRACE_SECONDS',
    schema: positiveNumber(),
    default: '25',
    unit: 'seconds',
    group: 'general',
    description:
      'On SIGTERM/SIGINT, how long the event workers may flush and commit (what is not committed by then is re-read at the next start), and then how long the stream pool may drain (what is unfinished stays in the journal).',
  }),
  S3_MAX_ATTEMPTS: variable({
    name: 'S3_MAX_ATTEMPTS',
    schema: integer(1, 100),
    default: '5',
    unit: 'attempts',
    group: 's3',
    description: 'Attempts per S3 request (the AWS SDK retries with exponential backoff and jitter).',
  }),
};
