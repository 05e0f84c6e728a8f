import { boolean, integer, nonEmptyText, oneOf, text, url, variable } from '../variable.js';

export const s3Variables = {
  S3_BUCKET: variable({
    name: 'S3_BUCKET',
    schema: nonEmptyText().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
      message: 'expected an S3 bucket name: 3-63 lowercase letters, digits, dots or hyphens',
    }),
    group: 's3',
    description: 'Bucket that holds the backup. Required.',
  }),
  S3_PREFIX: variable({
    name: 'S3_PREFIX',
    schema: text().refine((s) => !s.startsWith('/') && !s.split('/').includes('..'), {
      message: 'expected a relative key prefix without leading / or .. segments',
    }),
    default: '',
    group: 's3',
    description: 'Key prefix inside the bucket (e.g. `prod/`); lets several backups share a bucket.',
  }),
  S3_ENDPOINT: variable({
    name: 'S3_ENDPOINT',
    schema: url(),
    default: '',
    group: 's3',
    description: 'Endpoint of an S3-compatible store (MinIO, Ceph, s3rver). Empty: AWS.',
  }),
  S3_REGION: variable({
    name: 'S3_REGION',
    schema: text(),
    default: '',
    group: 's3',
    description: 'Region. Empty: the AWS SDK chain (AWS_REGION, profile); us-east-1 when STREAMVAULT_S3_ENDPOINT is set.',
  }),
  S3_FORCE_PATH_STYLE: variable({
    name: 'S3_FORCE_PATH_STYLE',
    schema: boolean(),
    default: 'false',
    group: 's3',
    description: 'Use path-style URLs (`endpoint/bucket/key`), needed by most S3-compatible stores.',
  }),
  S3_ACCESS_KEY_ID: variable({
    name: 'S3_ACCESS_KEY_ID',
    schema: text(),
    default: '',
    group: 's3',
    description:
      'Access key id, with STREAMVAULT_S3_SECRET_ACCESS_KEY. Empty: the AWS SDK default credential chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE and ~/.aws, web identity (IRSA), ECS or instance role).',
  }),
  S3_SECRET_ACCESS_KEY: variable({
    name: 'S3_SECRET_ACCESS_KEY',
    schema: text(),
    default: '',
    secret: true,
    group: 's3',
    description: 'Secret access key, with STREAMVAULT_S3_ACCESS_KEY_ID.',
  }),
  S3_SESSION_TOKEN: variable({
    name: 'S3_SESSION_TOKEN',
    schema: text(),
    default: '',
    secret: true,
    group: 's3',
    description: 'Session token of temporary credentials (STS), with STREAMVAULT_S3_ACCESS_KEY_ID.',
  }),
  S3_CREATE_BUCKET: variable({
    name: 'S3_CREATE_BUCKET',
    schema: boolean(),
    default: 'false',
    group: 's3',
    description: 'Create the bucket at start when missing. Off: a missing bucket is a startup error.',
  }),
  S3_CONNECT_TIMEOUT_MS: variable({
    name: 'S3_CONNECT_TIMEOUT_MS',
    schema: integer(1, 600_000),
    default: '5000',
    unit: 'milliseconds',
    group: 's3',
    description:
      'Per attempt: how long opening a connection to S3 may take. Applies to every S3 client (backup, S3 stream source, restore target).',
  }),
  S3_REQUEST_TIMEOUT_MS: variable({
    name: 'S3_REQUEST_TIMEOUT_MS',
    schema: integer(1, 3_600_000),
    default: '120000',
    unit: 'milliseconds',
    group: 's3',
    description:
      'Per attempt: how long an S3 request may take until its response starts, sending its body included (up to one 8 MiB part).',
  }),
  S3_SOCKET_TIMEOUT_MS: variable({
    name: 'S3_SOCKET_TIMEOUT_MS',
    schema: integer(1, 3_600_000),
    default: '30000',
    unit: 'milliseconds',
    group: 's3',
    description:
      'Per attempt: how long an S3 connection may stay silent (nothing sent or received, e.g. a download that stalls) before the attempt fails.',
  }),
  S3_CONDITIONAL_WRITES: variable({
    name: 'S3_CONDITIONAL_WRITES',
    schema: oneOf(['auto', 'on', 'off']),
    default: 'auto',
    group: 's3',
    description:
      'Fenced batch and manifest writes (If-None-Match / If-Match), so a replica that lost a partition cannot overwrite the new owner. ' +
      '`auto`: probed once at backup start, used when the store enforces them; `on`: refuse to start without; `off`: plain overwrites.',
  }),
};
