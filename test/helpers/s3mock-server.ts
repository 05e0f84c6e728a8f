// The source lives in scripts/local (shared with the demo and the benchmark). Here the data
// directory defaults to the run's temp root, which the global teardown deletes.
import { startS3MockServer as startLocalS3Mock, type StartS3MockOptions } from '../../scripts/local/s3mock-server.js';
import type { S3Server } from '../../scripts/local/s3-server.js';
import { makeTempDir } from './temp-dir.js';

export { findS3MockJar } from '../../scripts/local/s3mock-server.js';

/** Adobe S3Mock, which enforces If-None-Match / If-Match (s3rver does not). Takes 10-50 s to start. */
export function startS3MockServer(opts: StartS3MockOptions = {}): Promise<S3Server> {
  return startLocalS3Mock({ ...opts, directory: opts.directory ?? makeTempDir('s3mock-') });
}
