import { optionalBoolean, text, variable } from '../variable.js';
import { z } from 'zod';

/**
 * TLS and SASL of the cluster `restore` and `drill` write to. Each of the two groups is taken as a
 * whole: set STREAMVAULT_RESTORE_KAFKA_SSL (true or false) and the target's TLS comes from the
 * RESTORE_KAFKA_SSL_* variables only; leave it empty and it is the backup's (STREAMVAULT_KAFKA_SSL*).
 * The same for STREAMVAULT_RESTORE_KAFKA_SASL_MECHANISM and the RESTORE_KAFKA_SASL_* variables, so
 * the backup's password never goes to another cluster by a half-set override.
 */
export const restoreKafkaVariables = {
  RESTORE_KAFKA_SSL: variable({
    name: 'RESTORE_KAFKA_SSL',
    schema: optionalBoolean(),
    default: '',
    group: 'restore',
    description:
      'TLS to the restore target. Empty: the TLS settings of the backup (STREAMVAULT_KAFKA_SSL and its files). Set (true/false): the STREAMVAULT_RESTORE_KAFKA_SSL_* variables alone apply to the target.',
  }),
  RESTORE_KAFKA_SSL_CA_FILE: variable({
    name: 'RESTORE_KAFKA_SSL_CA_FILE',
    schema: text(),
    default: '',
    group: 'restore',
    description: "PEM file of the CA certificate(s) of the target brokers, with STREAMVAULT_RESTORE_KAFKA_SSL=true. Empty: Node's built-in CAs.",
  }),
  RESTORE_KAFKA_SSL_CERT_FILE: variable({
    name: 'RESTORE_KAFKA_SSL_CERT_FILE',
    schema: text(),
    default: '',
    group: 'restore',
    description: 'PEM client certificate (chain) for a target requiring mutual TLS, with STREAMVAULT_RESTORE_KAFKA_SSL_KEY_FILE.',
  }),
  RESTORE_KAFKA_SSL_KEY_FILE: variable({
    name: 'RESTORE_KAFKA_SSL_KEY_FILE',
    schema: text(),
    default: '',
    group: 'restore',
    description: 'PEM file of the (unencrypted) private key of STREAMVAULT_RESTORE_KAFKA_SSL_CERT_FILE. Its content is never logged.',
  }),
  RESTORE_KAFKA_SSL_REJECT_UNAUTHORIZED: variable({
    name: 'RESTORE_KAFKA_SSL_REJECT_UNAUTHORIZED',
    schema: optionalBoolean(),
    default: '',
    group: 'restore',
    description: 'As STREAMVAULT_KAFKA_SSL_REJECT_UNAUTHORIZED, for the target. Empty: true.',
  }),
  RESTORE_KAFKA_SASL_MECHANISM: variable({
    name: 'RESTORE_KAFKA_SASL_MECHANISM',
    // One enum with '' rather than a union of "empty" and oneOf: zod reports a union's failure as the
    // empty branch's "Too big: expected string to have exactly 0 characters", not this message.
    schema: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(['', 'none', 'plain', 'scram-sha-256', 'scram-sha-512'], { message: 'expected one of none, plain, scram-sha-256, scram-sha-512, or empty' })),
    default: '',
    group: 'restore',
    description:
      "SASL to the restore target. Empty: the backup's SASL settings (STREAMVAULT_KAFKA_SASL_*). Set: the STREAMVAULT_RESTORE_KAFKA_SASL_* variables alone apply (`none`: no SASL).",
  }),
  RESTORE_KAFKA_SASL_USERNAME: variable({
    name: 'RESTORE_KAFKA_SASL_USERNAME',
    schema: text(),
    default: '',
    group: 'restore',
    description: 'SASL user name on the restore target (with STREAMVAULT_RESTORE_KAFKA_SASL_MECHANISM).',
  }),
  RESTORE_KAFKA_SASL_PASSWORD: variable({
    name: 'RESTORE_KAFKA_SASL_PASSWORD',
    schema: text(),
    default: '',
    secret: true,
    group: 'restore',
    description: 'SASL password on the restore target, or use STREAMVAULT_RESTORE_KAFKA_SASL_PASSWORD_FILE.',
  }),
  RESTORE_KAFKA_SASL_PASSWORD_FILE: variable({
    name: 'RESTORE_KAFKA_SASL_PASSWORD_FILE',
    schema: text(),
    default: '',
    group: 'restore',
    description: 'File holding the SASL password on the restore target; one trailing newline is dropped. Not with STREAMVAULT_RESTORE_KAFKA_SASL_PASSWORD.',
  }),
};
