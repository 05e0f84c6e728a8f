import { describe, expect, it } from 'vitest';
import { configOf, expectBoolean, expectIntegerRange, expectPositiveNumber, valueOf } from '../../../helpers/config-variables.js';

describe('observability variables', () => {
  it('default to metrics on 0.0.0.0:9464, progress every 60 s, lag every 30 s, a probe every 15 s, 20 objects validated hourly', () => {
    const c = configOf();
    expect({
      enabled: c.METRICS_ENABLED,
      port: c.METRICS_PORT,
      host: c.METRICS_HOST,
      progress: c.PROGRESS_LOG_SECONDS,
      lag: c.LAG_POLL_SECONDS,
      probe: c.READINESS_PROBE_SECONDS,
      validationInterval: c.VALIDATION_INTERVAL_SECONDS,
      validationSample: c.VALIDATION_SAMPLE_SIZE,
    }).toEqual({ enabled: true, port: 9464, host: '0.0.0.0', progress: 60, lag: 30, probe: 15, validationInterval: 3600, validationSample: 20 });
  });

  it('take port 0 (the system picks one) up to 65535, and refuse other ports', () => {
    expectIntegerRange('METRICS_PORT', 0, 65535);
  });

  it('take 0 as "validation off", up to a year, and samples of 1 to 100000 objects', () => {
    expectIntegerRange('VALIDATION_INTERVAL_SECONDS', 0, 365 * 24 * 3600);
    expectIntegerRange('VALIDATION_SAMPLE_SIZE', 1, 100_000);
  });

  it('take a boolean switch, positive intervals and any listen address', () => {
    expectBoolean('METRICS_ENABLED');
    expectPositiveNumber('PROGRESS_LOG_SECONDS');
    expectPositiveNumber('LAG_POLL_SECONDS');
    expectPositiveNumber('READINESS_PROBE_SECONDS');
    expect(valueOf('METRICS_HOST', '127.0.0.1')).toBe('127.0.0.1');
  });
});
