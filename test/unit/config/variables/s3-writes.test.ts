import { describe, expect, it } from 'vitest';
import { formatProblems, loadConfig } from '../../../../src/config/load-config.js';
import { STORAGE_CLASSES } from '../../../../src/config/variables/s3-writes.js';
import { configOf, expectOneOf, problemOf, valueOf } from '../../../helpers/config-variables.js';

const base = { STREAMVAULT_S3_BUCKET: 'backup-bucket' };

describe('S3 write variables', () => {
  it("default to no server-side encryption, no KMS key and no storage class: the bucket's defaults apply", () => {
    const c = configOf();
    expect([c.S3_SERVER_SIDE_ENCRYPTION, c.S3_SSE_KMS_KEY_ID, c.S3_STORAGE_CLASS]).toEqual(['none', '', '']);
  });

  it('take the encryption modes in any case, a trimmed KMS key, and every storage class that reads back at once', () => {
    expectOneOf('S3_SERVER_SIDE_ENCRYPTION', ['none', 'aes256', 'aws:kms']);
    expect(configOf({ S3_SERVER_SIDE_ENCRYPTION: 'aws:kms', S3_SSE_KMS_KEY_ID: ' alias/backup ' }).S3_SSE_KMS_KEY_ID).toBe('alias/backup');
    for (const storageClass of STORAGE_CLASSES) expect(valueOf('S3_STORAGE_CLASS', storageClass.toLowerCase()), storageClass).toBe(storageClass);
  });

  it('refuse a KMS key without SSE-KMS and an archive storage class, every problem at once', () => {
    const result = loadConfig({ ...base, STREAMVAULT_S3_SSE_KMS_KEY_ID: 'alias/backup', STREAMVAULT_S3_STORAGE_CLASS: 'GLACIER' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = formatProblems(result.problems);
    expect(text).toContain('STREAMVAULT_S3_SSE_KMS_KEY_ID: expected empty unless STREAMVAULT_S3_SERVER_SIDE_ENCRYPTION is aws:kms; got STREAMVAULT_S3_SERVER_SIDE_ENCRYPTION "none"');
    expect(text).toContain('STREAMVAULT_S3_STORAGE_CLASS: expected empty (the bucket\'s default) or one of STANDARD');
    expect(text).toContain('got "GLACIER"');
  });

  it('refuse DEEP_ARCHIVE too, saying why archive classes are not taken', () => {
    expect(problemOf('S3_STORAGE_CLASS', 'deep_archive')).toEqual({
      variable: 'STREAMVAULT_S3_STORAGE_CLASS',
      expected: `expected empty (the bucket's default) or one of ${STORAGE_CLASSES.join(', ')} (archive classes cannot be read back without a restore request)`,
      received: '"deep_archive"',
    });
  });
});
