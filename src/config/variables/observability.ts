import { boolean, integer, positiveNumber, text, variable } from '../variable.js';

export const observabilityVariables = {
  METRICS_ENABLED: variable({
    name: 'METRICS_ENABLED',
    schema: boolean(),
    default: 'true',
    group: 'observability',
    description:
      'Serve Prometheus metrics (`/metrics`), liveness (`/healthz`) and readiness (`/readyz`) over HTTP while the backup runs.',
  }),
  METRICS_PORT: variable({
    name: 'METRICS_PORT',
    schema: integer(0, 65535),
    default: '9464',
    unit: 'port',
    group: 'observability',
    description: 'TCP port of the metrics and health server. 0 lets the system pick a free port (logged at start).',
  }),
  METRICS_HOST: variable({
    name: 'METRICS_HOST',
    schema: text(),
    default: '0.0.0.0',
    group: 'observability',
    description: 'Address the metrics and health server listens on.',
  }),
  PROGRESS_LOG_SECONDS: variable({
    name: 'PROGRESS_LOG_SECONDS',
    schema: positiveNumber(),
    default: '60',
    unit: 'seconds',
    group: 'observability',
    description:
      'Interval of the per-pair progress log line: events backed up since start, consumer lag, oldest unflushed event age.',
  }),
  LAG_POLL_SECONDS: variable({
    name: 'LAG_POLL_SECONDS',
    schema: positiveNumber(),
    default: '30',
    unit: 'seconds',
    group: 'observability',
    description: 'How often consumer lag (end offset minus committed offset, per partition) is fetched from Kafka.',
  }),
  READINESS_PROBE_SECONDS: variable({
    name: 'READINESS_PROBE_SECONDS',
    schema: positiveNumber(),
    default: '15',
    unit: 'seconds',
    group: 'observability',
    description:
      'How often the daemon writes a tiny probe object to the bucket to prove S3 is writable; `/readyz` fails while the last probe failed.',
  }),
  VALIDATION_INTERVAL_SECONDS: variable({
    name: 'VALIDATION_INTERVAL_SECONDS',
    schema: integer(0, 365 * 24 * 3600),
    default: '3600',
    unit: 'seconds',
    group: 'observability',
    description:
      'Interval of the in-daemon validation: re-read and re-hash a sample of recently written objects against their manifests. 0 turns it off.',
  }),
  VALIDATION_SAMPLE_SIZE: variable({
    name: 'VALIDATION_SAMPLE_SIZE',
    schema: integer(1, 100_000),
    default: '20',
    unit: 'objects',
    group: 'observability',
    description: 'Objects (events objects and the streams they reference) re-read per validation run, drawn from the most recent batches.',
  }),
};
