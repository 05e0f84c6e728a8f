import { zstdCompressionAvailable, zstdUnavailableReason } from '../../compression/zstd.js';
import { oneOf, variable } from '../variable.js';

/** zstd only where the runtime can write it; the message names the runtime's version. */
const withZstdOnlyWhereAvailable = <T extends string>(values: readonly [T, ...T[]]) =>
  oneOf(values).refine((value) => value !== 'zstd' || zstdCompressionAvailable(), {
    message: `expected one of ${values.filter((v) => v !== 'zstd').join(', ')}: ${zstdUnavailableReason()}`,
  });

export const compressionVariables = {
  AVRO_CODEC: variable({
    name: 'AVRO_CODEC',
    schema: withZstdOnlyWhereAvailable(['deflate', 'null', 'zstd'] as const),
    default: 'deflate',
    group: 'batching',
    description:
      'Compression codec of the Avro object container files written to S3: `deflate` (any Avro reader), `zstd` ' +
      '(smaller and faster; written as the Avro codec `zstandard`; needs Node.js 22.15 or later), `null` (none). ' +
      'Readers take every codec whatever this says.',
  }),
  STREAM_COMPRESSION: variable({
    name: 'STREAM_COMPRESSION',
    schema: withZstdOnlyWhereAvailable(['none', 'gzip', 'zstd'] as const),
    default: 'none',
    group: 'streams',
    description:
      'Compression of the stream blobs stored under streams/: `none`, `gzip` or `zstd` (needs Node.js 22.15 or later). ' +
      'The key stays the sha256 of the original content, checked before compression on backup and after decompression ' +
      'on every read; each object records its encoding in its metadata, so a bucket may mix them.',
  }),
};
