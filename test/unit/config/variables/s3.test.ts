import { describe, expect, it } from 'vitest';
import { describeVariables } from '../../../../src/config/describe-variables.js';
import { loadConfig } from '../../../../src/config/load-config.js';
import { configOf, expectBoolean, expectIntegerRange, expectOneOf, problemOf, valueOf } from '../../../helpers/config-variables.js';

describe('S3 variables', () => {
  it('need a bucket: it is the one variable without a default', () => {
    const result = loadConfig({});
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.find((p) => p.variable === 'STREAMVAULT_S3_BUCKET')).toMatchObject({ received: '(unset)' });
    expect(!result.ok && result.problems.map((p) => p.variable)).toEqual(['STREAMVAULT_S3_BUCKET']);
  });

  it("default to no prefix, the SDK's endpoint, region and credentials, virtual-host style, timeouts of 5 s, 2 min and 30 s", () => {
    const c = configOf();
    expect({
      prefix: c.S3_PREFIX,
      endpoint: c.S3_ENDPOINT,
      region: c.S3_REGION,
      pathStyle: c.S3_FORCE_PATH_STYLE,
      accessKey: c.S3_ACCESS_KEY_ID,
      createBucket: c.S3_CREATE_BUCKET,
      timeouts: [c.S3_CONNECT_TIMEOUT_MS, c.S3_REQUEST_TIMEOUT_MS, c.S3_SOCKET_TIMEOUT_MS],
      conditional: c.S3_CONDITIONAL_WRITES,
    }).toEqual({ prefix: '', endpoint: '', region: '', pathStyle: false, accessKey: '', createBucket: false, timeouts: [5000, 120_000, 30_000], conditional: 'auto' });
  });

  it('take S3 bucket names and refuse others: too short, uppercase, an underscore, a leading hyphen', () => {
    expect(configOf({ S3_BUCKET: 'my.backup-1' }).S3_BUCKET).toBe('my.backup-1');
    for (const name of ['ab', 'Backup', 'my_backup', '-backup', 'a'.repeat(64)]) {
      expect(problemOf('S3_BUCKET', name), name).toEqual({ variable: 'STREAMVAULT_S3_BUCKET', expected: 'expected an S3 bucket name: 3-63 lowercase letters, digits, dots or hyphens', received: JSON.stringify(name) });
    }
  });

  it('take a relative key prefix, and refuse a leading / or a .. segment (a key could escape it)', () => {
    expect(valueOf('S3_PREFIX', 'team/backups/')).toBe('team/backups/');
    expect(valueOf('S3_PREFIX', 'a..b/')).toBe('a..b/');
    for (const prefix of ['/backups', 'a/../b', '..']) expect(problemOf('S3_PREFIX', prefix).expected, prefix).toBe('expected a relative key prefix without leading / or .. segments');
  });

  it('take an absolute endpoint URL, booleans, the conditional-write modes and timeouts in range', () => {
    expect(valueOf('S3_ENDPOINT', 'http://minio:9000')).toBe('http://minio:9000');
    expect(problemOf('S3_ENDPOINT', 'minio').expected).toBe('expected an http:// or https:// URL such as http://host:port (no scheme?)');
    expect(problemOf('S3_ENDPOINT', 'minio:9000')).toEqual({ variable: 'STREAMVAULT_S3_ENDPOINT', expected: 'expected an http:// or https:// URL such as http://host:port (no scheme? "minio:" is read as the scheme)', received: '"minio:9000"' });
    expectBoolean('S3_FORCE_PATH_STYLE');
    expectBoolean('S3_CREATE_BUCKET');
    expectOneOf('S3_CONDITIONAL_WRITES', ['auto', 'on', 'off']);
    expectIntegerRange('S3_CONNECT_TIMEOUT_MS', 1, 600_000);
    expectIntegerRange('S3_REQUEST_TIMEOUT_MS', 1, 3_600_000);
    expectIntegerRange('S3_SOCKET_TIMEOUT_MS', 1, 3_600_000);
  });

  it('mark the secret key and the session token secret, and not the access key id', () => {
    const secret = new Map(describeVariables().filter((v) => v.name.startsWith('STREAMVAULT_S3_')).map((v) => [v.name, v.secret]));
    expect([secret.get('STREAMVAULT_S3_SECRET_ACCESS_KEY'), secret.get('STREAMVAULT_S3_SESSION_TOKEN'), secret.get('STREAMVAULT_S3_ACCESS_KEY_ID')]).toEqual([true, true, false]);
  });
});
