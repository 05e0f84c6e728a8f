import { boolean, nonEmptyText, text, url, variable } from '../variable.js';

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
    description: 'Access key id. Empty: the AWS SDK credential chain (env, profile, IRSA, instance role).',
  }),
  S3_SECRET_ACCESS_KEY: variable({
    name: 'S3_SECRET_ACCESS_KEY',
    schema: text(),
    default: '',
    secret: true,
    group: 's3',
    description: 'Secret access key, with S3_ACCESS_KEY_ID. Never logged.',
  }),
  S3_CREATE_BUCKET: variable({
    name: 'S3_CREATE_BUCKET',
    schema: boolean(),
    default: 'false',
    group: 's3',
    description: 'Create the bucket at start when missing. Off: a missing bucket is a startup error.',
  }),
};
