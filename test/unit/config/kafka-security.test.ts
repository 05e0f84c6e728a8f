import { describe, expect, it } from 'vitest';
import { formatProblems, loadConfig } from '../../../src/config/load-config.js';
import { generateTestCertificates } from '../../helpers/test-certificates.js';
import { readFileSync } from 'node:fs';

const base = { STREAMVAULT_S3_BUCKET: 'backup-bucket' };

/** Files by path; anything else is missing (ENOENT), as fs would say. */
function files(contents: Record<string, string>) {
  return (path: string): string => {
    const content = contents[path];
    if (content === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
    return content;
  };
}

describe('Kafka TLS and SASL settings', () => {
  const certs = generateTestCertificates();
  const pem = {
    '/etc/kafka/ca.pem': certs.caPem,
    '/etc/kafka/client.pem': readFileSync(certs.clientCertFile, 'utf8'),
    '/etc/kafka/client.key': readFileSync(certs.clientKeyFile, 'utf8'),
    '/etc/kafka/server.key': certs.privateKeyPem,
    '/run/secrets/kafka-password': 'from-the-file\n',
    '/run/secrets/empty': '\n',
    '/etc/kafka/not-pem.txt': 'hello',
  };
  const read = files(pem);

  it('is plaintext without SASL by default, for the backup and the restore target', () => {
    const result = loadConfig(base, {}, { readTextFile: read });
    expect(result.ok && result.config.kafkaSecurity).toEqual({});
    expect(result.ok && result.config.restoreKafkaSecurity).toEqual({});
  });

  it('reads the CA, the client certificate and key, and the password file (one trailing newline dropped)', () => {
    const result = loadConfig(
      {
        ...base,
        STREAMVAULT_KAFKA_SSL: 'true',
        STREAMVAULT_KAFKA_SSL_CA_FILE: '/etc/kafka/ca.pem',
        STREAMVAULT_KAFKA_SSL_CERT_FILE: '/etc/kafka/client.pem',
        STREAMVAULT_KAFKA_SSL_KEY_FILE: '/etc/kafka/client.key',
        STREAMVAULT_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        STREAMVAULT_KAFKA_SASL_USERNAME: 'alice',
        STREAMVAULT_KAFKA_SASL_PASSWORD_FILE: '/run/secrets/kafka-password',
      },
      {},
      { readTextFile: read },
    );
    expect(result.ok, JSON.stringify(!result.ok && result.problems)).toBe(true);
    if (!result.ok) return;
    expect(result.config.kafkaSecurity).toEqual({
      tls: { ca: pem['/etc/kafka/ca.pem'], cert: pem['/etc/kafka/client.pem'], key: pem['/etc/kafka/client.key'], rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'from-the-file' },
    });
    // The restore target inherits both groups while its own are not set.
    expect(result.config.restoreKafkaSecurity).toEqual(result.config.kafkaSecurity);
  });

  it('gives the restore target its own TLS and SASL when their switches are set, each group as a whole', () => {
    const result = loadConfig(
      {
        ...base,
        STREAMVAULT_KAFKA_SSL: 'true',
        STREAMVAULT_KAFKA_SSL_CA_FILE: '/etc/kafka/ca.pem',
        STREAMVAULT_KAFKA_SASL_MECHANISM: 'plain',
        STREAMVAULT_KAFKA_SASL_USERNAME: 'backup-user',
        STREAMVAULT_KAFKA_SASL_PASSWORD: 'backup-pw',
        STREAMVAULT_RESTORE_KAFKA_SSL: 'false',
        STREAMVAULT_RESTORE_KAFKA_SASL_MECHANISM: 'scram-sha-256',
        STREAMVAULT_RESTORE_KAFKA_SASL_USERNAME: 'restore-user',
        STREAMVAULT_RESTORE_KAFKA_SASL_PASSWORD: 'restore-pw',
      },
      {},
      { readTextFile: read },
    );
    expect(result.ok && result.config.restoreKafkaSecurity).toEqual({
      sasl: { mechanism: 'scram-sha-256', username: 'restore-user', password: 'restore-pw' },
    });
    const noSasl = loadConfig(
      { ...base, STREAMVAULT_KAFKA_SASL_MECHANISM: 'plain', STREAMVAULT_KAFKA_SASL_USERNAME: 'u', STREAMVAULT_KAFKA_SASL_PASSWORD: 'p', STREAMVAULT_RESTORE_KAFKA_SASL_MECHANISM: 'none' },
      {},
      { readTextFile: read },
    );
    expect(noSasl.ok && noSasl.config.restoreKafkaSecurity).toEqual({});
    expect(noSasl.ok && noSasl.config.kafkaSecurity.sasl?.username).toBe('u');
  });

  it('reports every problem at once, naming files and variables but never a secret', () => {
    const result = loadConfig(
      {
        ...base,
        // A TLS file while TLS is off.
        STREAMVAULT_KAFKA_SSL_CA_FILE: '/etc/kafka/ca.pem',
        STREAMVAULT_RESTORE_KAFKA_SSL_CA_FILE: '/etc/kafka/missing-ca.pem',
        // A mechanism without a user, with a password and a password file both.
        STREAMVAULT_KAFKA_SASL_MECHANISM: 'scram-sha-256',
        STREAMVAULT_KAFKA_SASL_PASSWORD: 'hunter2-secret',
        STREAMVAULT_KAFKA_SASL_PASSWORD_FILE: '/run/secrets/kafka-password',
        // The restore target's own TLS: a missing CA, a certificate without key; its SASL: a missing password file.
        STREAMVAULT_RESTORE_KAFKA_SSL: 'yes',
        STREAMVAULT_RESTORE_KAFKA_SSL_CERT_FILE: '/etc/kafka/client.pem',
        STREAMVAULT_RESTORE_KAFKA_SASL_MECHANISM: 'plain',
        STREAMVAULT_RESTORE_KAFKA_SASL_USERNAME: 'r',
        STREAMVAULT_RESTORE_KAFKA_SASL_PASSWORD_FILE: '/run/secrets/missing',
        STREAMVAULT_S3_SESSION_TOKEN: 'token-secret',
      },
      {},
      { readTextFile: read },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = formatProblems(result.problems);
    expect(result.problems.map((p) => p.variable)).toEqual(
      expect.arrayContaining([
        'STREAMVAULT_KAFKA_SSL_CA_FILE',
        'STREAMVAULT_RESTORE_KAFKA_SSL_CA_FILE',
        'STREAMVAULT_KAFKA_SASL_USERNAME',
        'STREAMVAULT_KAFKA_SASL_PASSWORD / STREAMVAULT_KAFKA_SASL_PASSWORD_FILE',
        'STREAMVAULT_RESTORE_KAFKA_SSL_CERT_FILE / STREAMVAULT_RESTORE_KAFKA_SSL_KEY_FILE',
        'STREAMVAULT_RESTORE_KAFKA_SASL_PASSWORD_FILE',
        'STREAMVAULT_S3_SESSION_TOKEN',
      ]),
    );
    expect(text).toContain('STREAMVAULT_KAFKA_SSL_CA_FILE: expected STREAMVAULT_KAFKA_SSL=true when a TLS file is set (TLS is off)');
    expect(text).toContain('STREAMVAULT_RESTORE_KAFKA_SASL_PASSWORD_FILE: expected a readable file; got /run/secrets/missing (ENOENT)');
    expect(text).toContain('STREAMVAULT_RESTORE_KAFKA_SSL_CA_FILE: expected a readable file; got /etc/kafka/missing-ca.pem (ENOENT)');
    expect(text).toContain('STREAMVAULT_KAFKA_SASL_USERNAME: expected a user name when STREAMVAULT_KAFKA_SASL_MECHANISM is scram-sha-256; got (empty)');
    expect(text).not.toContain('hunter2-secret');
    expect(text).not.toContain('token-secret');
    expect(text).not.toContain('from-the-file');
  });

  it('refuses a file without PEM, an empty password file, a key that is not the certificate\'s, and credentials without a mechanism', () => {
    const result = loadConfig(
      {
        ...base,
        STREAMVAULT_KAFKA_SSL: 'true',
        STREAMVAULT_KAFKA_SSL_CA_FILE: '/etc/kafka/not-pem.txt',
        STREAMVAULT_KAFKA_SASL_MECHANISM: 'plain',
        STREAMVAULT_KAFKA_SASL_USERNAME: 'u',
        STREAMVAULT_KAFKA_SASL_PASSWORD_FILE: '/run/secrets/empty',
        STREAMVAULT_RESTORE_KAFKA_SSL: 'true',
        STREAMVAULT_RESTORE_KAFKA_SSL_CERT_FILE: '/etc/kafka/client.pem',
        STREAMVAULT_RESTORE_KAFKA_SSL_KEY_FILE: '/etc/kafka/server.key',
        STREAMVAULT_RESTORE_KAFKA_SASL_MECHANISM: 'none',
        STREAMVAULT_RESTORE_KAFKA_SASL_USERNAME: 'orphan',
      },
      {},
      { readTextFile: read },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = formatProblems(result.problems);
    expect(text).toContain('STREAMVAULT_KAFKA_SSL_CA_FILE: expected a PEM file with a "-----BEGIN ...CERTIFICATE-----" block; got /etc/kafka/not-pem.txt, which has none');
    expect(text).toContain('STREAMVAULT_KAFKA_SASL_PASSWORD_FILE: expected a file holding the password; got /run/secrets/empty, which is empty');
    expect(text).toMatch(/STREAMVAULT_RESTORE_KAFKA_SSL_CERT_FILE \/ STREAMVAULT_RESTORE_KAFKA_SSL_KEY_FILE: expected PEM certificates .*; got refused by TLS: .*key values mismatch/);
    expect(text).toContain('STREAMVAULT_RESTORE_KAFKA_SASL_USERNAME: expected STREAMVAULT_RESTORE_KAFKA_SASL_MECHANISM set (plain, scram-sha-256 or scram-sha-512) when a SASL credential is set');
    expect(text).not.toContain('BEGIN PRIVATE KEY');
  });

  it('refuses restore settings of a group whose switch is empty (they would be ignored)', () => {
    const result = loadConfig({ ...base, STREAMVAULT_RESTORE_KAFKA_SASL_PASSWORD: 'x', STREAMVAULT_RESTORE_KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' }, {}, { readTextFile: read });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.variable).sort()).toEqual(['STREAMVAULT_RESTORE_KAFKA_SASL_PASSWORD', 'STREAMVAULT_RESTORE_KAFKA_SSL_REJECT_UNAUTHORIZED']);
    expect(formatProblems(result.problems)).not.toContain(': x');
  });
});

describe('secret variables in the documentation', () => {
  it('are the credentials, and --help and the README reference say their value is never printed', async () => {
    const { describeVariables, variablesHelpText, variablesMarkdown, SECRET_NOTE } = await import('../../../src/config/describe-variables.js');
    const secret = describeVariables().filter((d) => d.secret).map((d) => d.name).sort();
    expect(secret).toEqual(
      expect.arrayContaining([
        'STREAMVAULT_KAFKA_SASL_PASSWORD',
        'STREAMVAULT_RESTORE_KAFKA_SASL_PASSWORD',
        'STREAMVAULT_S3_SECRET_ACCESS_KEY',
        'STREAMVAULT_S3_SESSION_TOKEN',
      ]),
    );
    const help = variablesHelpText();
    const markdown = variablesMarkdown();
    for (const name of secret) {
      const helpEntry = help.slice(help.indexOf(`  ${name} `)).split('\n')[0]!;
      expect(helpEntry, name).toContain(SECRET_NOTE);
      expect(markdown.split('\n').find((row) => row.startsWith(`| \`${name}\` |`)), name).toContain(SECRET_NOTE);
    }
  });
});
