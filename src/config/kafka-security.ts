import { createSecureContext } from 'node:tls';
import { ENV_PREFIX } from './variable.js';

/** Reads a file named in the configuration; throws as fs.readFileSync does (code ENOENT, EACCES, EISDIR...). */
export type ConfigFileReader = (path: string) => string;

/* The connection security of a Kafka client, as configured: src/kafka/create-kafka.ts applies it. */
export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

/** TLS to the brokers; PEM contents (read from the configured files at start), not paths. */
export interface KafkaTls {
  /** CA certificates the brokers' certificates must chain to; absent: Node's built-in CAs. */
  readonly ca?: string;
  /** Client certificate chain and its private key, for mutual TLS; both or neither. */
  readonly cert?: string;
  readonly key?: string;
  /** false accepts any broker certificate (encrypted but unauthenticated). */
  readonly rejectUnauthorized: boolean;
}

export interface KafkaSasl {
  readonly mechanism: SaslMechanism;
  readonly username: string;
  readonly password: string;
}

/** How a client authenticates to one cluster: absent parts are off (plaintext, no SASL). */
export interface KafkaSecurity {
  readonly tls?: KafkaTls;
  readonly sasl?: KafkaSasl;
}

/** A problem in the form of load-config.ts's ConfigProblem (kept structural to avoid an import cycle). */
export interface SecurityProblem {
  readonly variable: string;
  readonly expected: string;
  readonly received: string;
}

export interface ResolvedKafkaSecurity {
  /** The backup's brokers (STREAMVAULT_KAFKA_*). */
  readonly source: KafkaSecurity;
  /** The restore (and drill) target: each of TLS and SASL its own when set, else the source's. */
  readonly restoreTarget: KafkaSecurity;
  readonly problems: SecurityProblem[];
}

type Values = Readonly<Record<string, unknown>>;

/**
 * Turns the TLS and SASL variables into the settings of the two clusters, reading every file they
 * name (CA, client certificate and key, password file) once, and reports every problem at once:
 * a mechanism without a user or password, a TLS file without TLS on, a file that cannot be read or
 * holds no PEM, a key that does not match its certificate. Problems name files and variables,
 * never their contents.
 */
export function resolveKafkaSecurity(values: Values, readFile: ConfigFileReader): ResolvedKafkaSecurity {
  const problems: SecurityProblem[] = [];
  const sourceTls = resolveTls(values, 'KAFKA_', readFile, problems);
  const sourceSasl = resolveSasl(values, 'KAFKA_', readFile, problems);
  const targetTls = values.RESTORE_KAFKA_SSL === undefined ? unsetGroup(values, 'RESTORE_KAFKA_', TLS_PARTS, 'SSL', problems) : resolveTls(values, 'RESTORE_KAFKA_', readFile, problems);
  const targetSasl =
    values.RESTORE_KAFKA_SASL_MECHANISM === ''
      ? unsetGroup(values, 'RESTORE_KAFKA_', SASL_PARTS, 'SASL_MECHANISM', problems)
      : resolveSasl(values, 'RESTORE_KAFKA_', readFile, problems);
  const source: KafkaSecurity = { ...(sourceTls ? { tls: sourceTls } : {}), ...(sourceSasl ? { sasl: sourceSasl } : {}) };
  const tls = targetTls === 'inherit' ? sourceTls : targetTls;
  const sasl = targetSasl === 'inherit' ? sourceSasl : targetSasl;
  return { source, restoreTarget: { ...(tls ? { tls } : {}), ...(sasl ? { sasl } : {}) }, problems };
}

const TLS_PARTS = ['SSL_CA_FILE', 'SSL_CERT_FILE', 'SSL_KEY_FILE', 'SSL_REJECT_UNAUTHORIZED'] as const;
const SASL_PARTS = ['SASL_USERNAME', 'SASL_PASSWORD', 'SASL_PASSWORD_FILE'] as const;

/** A group left to inherit: none of its other variables may be set, or they would be ignored silently. */
function unsetGroup(values: Values, prefix: string, parts: readonly string[], key: string, problems: SecurityProblem[]): 'inherit' {
  for (const part of parts) {
    const value = values[prefix + part];
    if (value !== undefined && value !== '') {
      problems.push({
        variable: ENV_PREFIX + prefix + part,
        expected: `expected ${ENV_PREFIX}${prefix}${key} set too (while it is empty the restore target uses the backup's settings and this one would be ignored)`,
        received: '',
      });
    }
  }
  return 'inherit';
}

function resolveTls(values: Values, prefix: string, readFile: ConfigFileReader, problems: SecurityProblem[]): KafkaTls | undefined {
  const name = (part: string) => ENV_PREFIX + prefix + part;
  const paths = {
    ca: String(values[`${prefix}SSL_CA_FILE`] ?? ''),
    cert: String(values[`${prefix}SSL_CERT_FILE`] ?? ''),
    key: String(values[`${prefix}SSL_KEY_FILE`] ?? ''),
  };
  if (values[`${prefix}SSL`] !== true) {
    for (const [part, path] of [['SSL_CA_FILE', paths.ca], ['SSL_CERT_FILE', paths.cert], ['SSL_KEY_FILE', paths.key]] as const) {
      if (path !== '') problems.push({ variable: name(part), expected: `expected ${name('SSL')}=true when a TLS file is set (TLS is off)`, received: '' });
    }
    return undefined;
  }
  const before = problems.length;
  if ((paths.cert === '') !== (paths.key === '')) {
    problems.push({
      variable: `${name('SSL_CERT_FILE')} / ${name('SSL_KEY_FILE')}`,
      expected: 'expected both set (mutual TLS) or both empty',
      received: 'only one set',
    });
  }
  const ca = paths.ca === '' ? undefined : readPem(readFile, name('SSL_CA_FILE'), paths.ca, 'CERTIFICATE', problems);
  const cert = paths.cert === '' ? undefined : readPem(readFile, name('SSL_CERT_FILE'), paths.cert, 'CERTIFICATE', problems);
  const key = paths.key === '' ? undefined : readPem(readFile, name('SSL_KEY_FILE'), paths.key, 'PRIVATE KEY', problems);
  const tls: KafkaTls = {
    rejectUnauthorized: values[`${prefix}SSL_REJECT_UNAUTHORIZED`] !== false,
    ...(ca !== undefined ? { ca } : {}),
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
  };
  if (problems.length === before) {
    // What every connection would fail on later, said now: unparsable PEM, a key not of its certificate.
    try {
      createSecureContext({ ca: tls.ca, cert: tls.cert, key: tls.key });
    } catch (error) {
      problems.push({
        variable: [paths.ca && name('SSL_CA_FILE'), paths.cert && name('SSL_CERT_FILE'), paths.key && name('SSL_KEY_FILE')].filter(Boolean).join(' / '),
        expected: 'expected PEM certificates (and a private key matching the client certificate) that TLS accepts',
        received: `refused by TLS: ${(error as Error).message}`,
      });
    }
  }
  return tls;
}

function readPem(readFile: ConfigFileReader, variable: string, path: string, label: string, problems: SecurityProblem[]): string | undefined {
  const content = readNamedFile(readFile, variable, path, problems);
  if (content === undefined) return undefined;
  if (!new RegExp(`-----BEGIN [A-Z ]*${label}-----`).test(content)) {
    problems.push({ variable, expected: `expected a PEM file with a "-----BEGIN ...${label}-----" block`, received: `${path}, which has none` });
    return undefined;
  }
  return content;
}

function readNamedFile(readFile: ConfigFileReader, variable: string, path: string, problems: SecurityProblem[]): string | undefined {
  try {
    return readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    problems.push({ variable, expected: 'expected a readable file', received: `${path} (${code})` });
    return undefined;
  }
}

function resolveSasl(values: Values, prefix: string, readFile: ConfigFileReader, problems: SecurityProblem[]): KafkaSasl | undefined {
  const name = (part: string) => ENV_PREFIX + prefix + part;
  const mechanism = String(values[`${prefix}SASL_MECHANISM`] ?? 'none');
  const username = String(values[`${prefix}SASL_USERNAME`] ?? '');
  const password = String(values[`${prefix}SASL_PASSWORD`] ?? '');
  const passwordFile = String(values[`${prefix}SASL_PASSWORD_FILE`] ?? '');
  if (mechanism === 'none') {
    for (const [part, value] of [['SASL_USERNAME', username], ['SASL_PASSWORD', password], ['SASL_PASSWORD_FILE', passwordFile]] as const) {
      if (value !== '') {
        problems.push({ variable: name(part), expected: `expected ${name('SASL_MECHANISM')} set (plain, scram-sha-256 or scram-sha-512) when a SASL credential is set`, received: '' });
      }
    }
    return undefined;
  }
  const before = problems.length;
  if (username === '') {
    problems.push({ variable: name('SASL_USERNAME'), expected: `expected a user name when ${name('SASL_MECHANISM')} is ${mechanism}`, received: '(empty)' });
  }
  let secret = password;
  if (password !== '' && passwordFile !== '') {
    problems.push({ variable: `${name('SASL_PASSWORD')} / ${name('SASL_PASSWORD_FILE')}`, expected: 'expected one of them, not both', received: 'both set' });
  } else if (password === '' && passwordFile === '') {
    problems.push({
      variable: `${name('SASL_PASSWORD')} / ${name('SASL_PASSWORD_FILE')}`,
      expected: `expected a password (or a file holding it) when ${name('SASL_MECHANISM')} is ${mechanism}`,
      received: 'both empty',
    });
  } else if (passwordFile !== '') {
    const content = readNamedFile(readFile, name('SASL_PASSWORD_FILE'), passwordFile, problems);
    if (content !== undefined) {
      secret = content.replace(/\r?\n$/, '');
      if (secret === '') problems.push({ variable: name('SASL_PASSWORD_FILE'), expected: 'expected a file holding the password', received: `${passwordFile}, which is empty` });
    }
  }
  if (problems.length !== before) return undefined;
  return { mechanism: mechanism as SaslMechanism, username, password: secret };
}
