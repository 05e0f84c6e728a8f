// The source lives in scripts/local so that the demo (compiled by tsc) and the tests share it.
// Here the data directory defaults to the run's temp root, which the global teardown deletes.
import { startS3Server as startLocalS3Server, type S3Server, type StartS3ServerOptions } from '../../scripts/local/s3-server.js';
import { makeTempDir } from './temp-dir.js';

export { createBucket, s3ClientFor, type S3Server, type StartS3ServerOptions } from '../../scripts/local/s3-server.js';

export function startS3Server(opts: StartS3ServerOptions = {}): Promise<S3Server> {
  return startLocalS3Server({ ...opts, directory: opts.directory ?? makeTempDir('s3rver-') });
}
