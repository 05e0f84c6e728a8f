import { describe, expect, it } from 'vitest';
import { zstdCompressionAvailable } from '../../../../src/compression/zstd.js';
import { formatProblems, loadConfig } from '../../../../src/config/load-config.js';
import { ExitCode } from '../../../../src/exit-codes.js';
import { runCliCaptured } from '../../../helpers/run-cli-captured.js';
import { problemOf } from '../../../helpers/config-variables.js';

const base = { STREAMVAULT_S3_BUCKET: 'backup-bucket' };
const hasZstd = zstdCompressionAvailable();

describe('compression settings', () => {
  it('defaults: deflate event objects, uncompressed streams', () => {
    const result = loadConfig(base);
    expect(result.ok && [result.config.AVRO_CODEC, result.config.STREAM_COMPRESSION]).toEqual(['deflate', 'none']);
  });

  it('takes gzip for streams on every runtime', () => {
    const result = loadConfig({ ...base, STREAMVAULT_STREAM_COMPRESSION: 'GZIP' });
    expect(result.ok && result.config.STREAM_COMPRESSION).toBe('gzip');
  });

  it('refuses a codec it does not know, listing every codec it knows', () => {
    expect(problemOf('AVRO_CODEC', 'snappy')).toEqual({ variable: 'STREAMVAULT_AVRO_CODEC', expected: 'expected one of deflate, null, zstd', received: '"snappy"' });
    expect(problemOf('STREAM_COMPRESSION', 'brotli')).toEqual({ variable: 'STREAMVAULT_STREAM_COMPRESSION', expected: 'expected one of none, gzip, zstd', received: '"brotli"' });
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
