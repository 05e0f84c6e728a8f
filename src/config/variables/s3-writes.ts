import { z } from 'zod';
import { oneOf, text, variable } from '../variable.js';

/**
 * Storage classes whose objects read back at once. The archive classes (GLACIER, DEEP_ARCHIVE)
 * need a restore request before a GET, and every start, verify and restore reads manifests.
 */
export const STORAGE_CLASSES = ['STANDARD', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'REDUCED_REDUNDANCY'] as const;
export type StorageClass = (typeof STORAGE_CLASSES)[number];

const storageClass = () =>
  z
    .string()
    .trim()
    .toUpperCase()
    .pipe(
      z.union([z.literal(''), z.enum(STORAGE_CLASSES)], {
        message: `expected empty (the bucket's default) or one of ${STORAGE_CLASSES.join(', ')} (archive classes cannot be read back without a restore request)`,
      }),
    );

export const s3WriteVariables = {
  S3_SERVER_SIDE_ENCRYPTION: variable({
    name: 'S3_SERVER_SIDE_ENCRYPTION',
    schema: oneOf(['none', 'aes256', 'aws:kms']),
    default: 'none',
    group: 's3',
    description:
      'Server-side encryption asked for on every object the daemon writes: `aes256` (SSE-S3, keys managed by S3), ' +
      '`aws:kms` (SSE-KMS, with STREAMVAULT_S3_SSE_KMS_KEY_ID or the account\'s default key), `none` (send nothing: the bucket\'s default encryption applies).',
  }),
  S3_SSE_KMS_KEY_ID: variable({
    name: 'S3_SSE_KMS_KEY_ID',
    schema: text().trim(),
    default: '',
    group: 's3',
    description: 'KMS key (id, alias or ARN) for STREAMVAULT_S3_SERVER_SIDE_ENCRYPTION=aws:kms. Empty: the account\'s default KMS key for S3.',
  }),
  S3_STORAGE_CLASS: variable({
    name: 'S3_STORAGE_CLASS',
    schema: storageClass(),
    default: '',
    group: 's3',
    description: `Storage class of every object the daemon writes: ${STORAGE_CLASSES.join(', ')}. Empty: send none (the bucket's default, normally STANDARD).`,
  }),
};
