import { boolean, brokerList, nonEmptyText, oneOf, positiveNumber, text, variable, integer } from '../variable.js';
import { z } from 'zod';

export const kafkaVariables = {
  KAFKA_BROKERS: variable({
    name: 'KAFKA_BROKERS',
    schema: brokerList().pipe(z.array(z.string()).min(1, { message: 'expected at least one host:port' })),
    default: 'localhost:9092',
    group: 'kafka',
    description: 'Comma-separated bootstrap brokers (host:port).',
  }),
  KAFKA_CLIENT_ID: variable({
    name: 'KAFKA_CLIENT_ID',
    schema: nonEmptyText(),
    default: 'streamvault',
    group: 'kafka',
    description: 'Kafka client id, visible in broker logs and quotas.',
  }),
  KAFKA_GROUP_ID: variable({
    name: 'KAFKA_GROUP_ID',
    schema: nonEmptyText(),
    default: 'streamvault',
    group: 'kafka',
    description:
      'Consumer group of the backup: one group for every source/event pair (one consumer per process, subscribed to every pair\'s topic); replicas with the same group share the partitions. Commits of the per-pair groups of earlier versions (`<group>.<source>.<event>`) are taken over where this group has none.',
  }),
  KAFKA_FROM_BEGINNING: variable({
    name: 'KAFKA_FROM_BEGINNING',
    schema: boolean(),
    default: 'true',
    group: 'kafka',
    description:
      'Where a group with no committed offset starts: the earliest retained event (true) or only new events (false).',
  }),
  KAFKA_SSL: variable({
    name: 'KAFKA_SSL',
    schema: boolean(),
    default: 'false',
    group: 'kafka',
    description: 'Connect to the brokers with TLS (every Kafka client: consumers, admin, the start-up probe, the lag poll, the consumer-group offset snapshots).',
  }),
  KAFKA_SSL_CA_FILE: variable({
    name: 'KAFKA_SSL_CA_FILE',
    schema: text(),
    default: '',
    group: 'kafka',
    description: "PEM file of the CA certificate(s) that signed the brokers' certificates, with STREAMVAULT_KAFKA_SSL=true. Empty: Node's built-in CAs.",
  }),
  KAFKA_SSL_CERT_FILE: variable({
    name: 'KAFKA_SSL_CERT_FILE',
    schema: text(),
    default: '',
    group: 'kafka',
    description: 'PEM file of the client certificate (chain) for brokers that require mutual TLS, with STREAMVAULT_KAFKA_SSL_KEY_FILE.',
  }),
  KAFKA_SSL_KEY_FILE: variable({
    name: 'KAFKA_SSL_KEY_FILE',
    schema: text(),
    default: '',
    group: 'kafka',
    description: 'PEM file of the (unencrypted) private key of STREAMVAULT_KAFKA_SSL_CERT_FILE. Its content is never logged.',
  }),
  KAFKA_SSL_REJECT_UNAUTHORIZED: variable({
    name: 'KAFKA_SSL_REJECT_UNAUTHORIZED',
    schema: boolean(),
    default: 'true',
    group: 'kafka',
    description:
      "Refuse brokers whose certificate does not verify against the CAs or does not name the broker's host. `false` accepts any certificate: encrypted, but open to a man in the middle (tests only).",
  }),
  KAFKA_SASL_MECHANISM: variable({
    name: 'KAFKA_SASL_MECHANISM',
    schema: oneOf(['none', 'plain', 'scram-sha-256', 'scram-sha-512']),
    default: 'none',
    group: 'kafka',
    description: 'SASL authentication mechanism; any but `none` needs STREAMVAULT_KAFKA_SASL_USERNAME and a password. `plain` sends the password as is: use it with TLS.',
  }),
  KAFKA_SASL_USERNAME: variable({
    name: 'KAFKA_SASL_USERNAME',
    schema: text(),
    default: '',
    group: 'kafka',
    description: 'SASL user name (when a mechanism is set).',
  }),
  KAFKA_SASL_PASSWORD: variable({
    name: 'KAFKA_SASL_PASSWORD',
    schema: text(),
    default: '',
    secret: true,
    group: 'kafka',
    description: 'SASL password (when a mechanism is set), or use STREAMVAULT_KAFKA_SASL_PASSWORD_FILE.',
  }),
  KAFKA_SASL_PASSWORD_FILE: variable({
    name: 'KAFKA_SASL_PASSWORD_FILE',
    schema: text(),
    default: '',
    group: 'kafka',
    description:
      'File holding the SASL password (e.g. a mounted Kubernetes secret), read once at start; one trailing newline is dropped. Instead of STREAMVAULT_KAFKA_SASL_PASSWORD, not with it.',
  }),
  KAFKA_CONNECT_TIMEOUT_SECONDS: variable({
    name: 'KAFKA_CONNECT_TIMEOUT_SECONDS',
    schema: positiveNumber(),
    default: '20',
    unit: 'seconds',
    group: 'kafka',
    description:
      'How long `backup` (daemon and `--once`), `restore` and `drill` (their target brokers) keep trying to reach the brokers at start, and how long `backup --once` waits for brokers it lost mid-run, before giving up with exit code 1 and one error naming the brokers.',
  }),
  KAFKA_SESSION_TIMEOUT_MS: variable({
    name: 'KAFKA_SESSION_TIMEOUT_MS',
    schema: integer(6000, 3_600_000),
    default: '30000',
    unit: 'milliseconds',
    group: 'kafka',
    description: 'Consumer group session timeout: how long a silent replica keeps its partitions.',
  }),
};
