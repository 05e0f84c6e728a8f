import { describe, expect, it } from 'vitest';
import { zstdCompressionAvailable } from '../../../src/compression/zstd.js';
import { formatProblems, loadConfig } from '../../../src/config/load-config.js';
import { avroCodecName } from '../../../src/events/avro-container.js';
import { s3WriteSettings } from '../../../src/config/settings.js';
import { s3WriteOptions } from '../../../src/storage/s3-object-store.js';
import { ExitCode } from '../../../src/exit-codes.js';
import { runCliCaptured } from '../../helpers/run-cli-captured.js';

const base = { STREAMVAULT_S3_BUCKET: 'backup-bucket' };
const hasZstd = zstdCompressionAvailable();

describe('compression settings', () => {
  it('defaults: deflate event objects, uncompressed streams', () => {
    const result = loadConfig(base);
    expect(result.ok && [result.config.AVRO_CODEC, result.config.STREAM_COMPRESSION]).toEqual(['deflate', 'none']);
  });

  it('writes the codec under the Avro specification\'s names', () => {
    expect([avroCodecName('zstd'), avroCodecName('deflate'), avroCodecName('null')]).toEqual(['zstandard', 'deflate', 'null']);
  });

  it('takes gzip for streams on every runtime', () => {
    const result = loadConfig({ ...base, STREAMVAULT_STREAM_COMPRESSION: 'GZIP' });
    expect(result.ok && result.config.STREAM_COMPRESSION).toBe('gzip');
  });

  it.skipIf(!hasZstd)(`takes zstd for both where the runtime has it (${process.version})`, () => {
    const result = loadConfig({ ...base, STREAMVAULT_AVRO_CODEC: 'zstd', STREAMVAULT_STREAM_COMPRESSION: 'zstd' });
    expect(result.ok && [result.config.AVRO_CODEC, result.config.STREAM_COMPRESSION]).toEqual(['zstd', 'zstd']);
  });

  it.skipIf(hasZstd)(`refuses zstd on a runtime without it (${process.version}), naming each setting and the Node.js version`, () => {
    const result = loadConfig({ ...base, STREAMVAULT_AVRO_CODEC: 'zstd', STREAMVAULT_STREAM_COMPRESSION: 'zstd' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = formatProblems(result.problems);
    expect(text).toContain(
      `STREAMVAULT_AVRO_CODEC: expected one of deflate, null: zstd compression needs Node.js 22.15 or later (node:zlib zstd); this is Node.js ${process.version}; got "zstd"`,
    );
    expect(text).toContain(`STREAMVAULT_STREAM_COMPRESSION: expected one of none, gzip: zstd compression needs Node.js 22.15 or later`);
  });

  it.skipIf(hasZstd)('the backup command exits with the configuration code before touching anything', async () => {
    const { code, err } = await runCliCaptured(['backup'], { ...base, STREAMVAULT_AVRO_CODEC: 'zstd' });
    expect(code).toBe(ExitCode.badConfiguration);
    expect(err).toContain(`STREAMVAULT_AVRO_CODEC: expected one of deflate, null: zstd compression needs Node.js 22.15 or later (node:zlib zstd); this is Node.js ${process.version}`);
  });
});

describe('S3 write settings', () => {
  it('send nothing by default, so the bucket\'s defaults apply', () => {
    const result = loadConfig(base);
    expect(result.ok && s3WriteOptions(s3WriteSettings(result.config))).toEqual({});
  });

  it('maps SSE-S3, SSE-KMS with its key and the storage class to what S3 takes', () => {
    const sse = loadConfig({ ...base, STREAMVAULT_S3_SERVER_SIDE_ENCRYPTION: 'AES256', STREAMVAULT_S3_STORAGE_CLASS: 'standard_ia' });
    expect(sse.ok && s3WriteOptions(s3WriteSettings(sse.config))).toEqual({ serverSideEncryption: 'AES256', storageClass: 'STANDARD_IA' });
    const kms = loadConfig({ ...base, STREAMVAULT_S3_SERVER_SIDE_ENCRYPTION: 'aws:kms', STREAMVAULT_S3_SSE_KMS_KEY_ID: 'alias/backup' });
    expect(kms.ok && s3WriteOptions(s3WriteSettings(kms.config))).toEqual({ serverSideEncryption: 'aws:kms', kmsKeyId: 'alias/backup' });
  });

  it('refuses a KMS key without SSE-KMS and an archive storage class, every problem at once', () => {
    const result = loadConfig({ ...base, STREAMVAULT_S3_SSE_KMS_KEY_ID: 'alias/backup', STREAMVAULT_S3_STORAGE_CLASS: 'GLACIER' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = formatProblems(result.problems);
    expect(text).toContain('STREAMVAULT_S3_SSE_KMS_KEY_ID: expected empty unless STREAMVAULT_S3_SERVER_SIDE_ENCRYPTION is aws:kms; got STREAMVAULT_S3_SERVER_SIDE_ENCRYPTION "none"');
    expect(text).toContain('STREAMVAULT_S3_STORAGE_CLASS: expected empty (the bucket\'s default) or one of STANDARD');
    expect(text).toContain('got "GLACIER"');
  });
});
