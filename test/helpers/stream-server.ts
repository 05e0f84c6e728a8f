// The source lives in scripts/local so that the demo (compiled by tsc) and the tests share it.
// Here uploads default to the run's temp root, which the global teardown deletes.
import {
  startStreamServer as startLocalStreamServer,
  type StartStreamServerOptions,
  type StreamServer,
} from '../../scripts/local/stream-server.js';
import { makeTempDir } from './temp-dir.js';

export type { PostedBlob, RecordedRequest, RequestMatcher, StartStreamServerOptions, StreamServer } from '../../scripts/local/stream-server.js';

export function startStreamServer(opts: StartStreamServerOptions = {}): Promise<StreamServer> {
  return startLocalStreamServer({ ...opts, uploadDir: opts.uploadDir ?? makeTempDir('streams-') });
}
