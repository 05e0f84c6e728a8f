// Runs the backup daemon exactly like `streamvault backup`, except that it SIGKILLs itself right
// after the Nth manifest is written, i.e. after a batch is durable in S3 and before its offsets
// are committed: the window the "nothing acknowledged is lost" promise is about.
// Usage: node crash-after-manifest.mjs <N>   (config from STREAMVAULT_* env, like the CLI)
import { createBackupDaemon } from '../../dist/src/backup/create-backup-daemon.js';
import { manifestOnlyPipeline } from '../../dist/src/streams/stream-pipeline.js';
import { loadConfig, formatProblems } from '../../dist/src/config/load-config.js';
import { s3Settings } from '../../dist/src/config/settings.js';
import { createLogger } from '../../dist/src/observability/logger.js';
import { createS3Client, S3ObjectStore } from '../../dist/src/storage/s3-object-store.js';

const crashAfter = Number(process.argv[2] ?? '1');
const loaded = loadConfig(process.env);
if (!loaded.ok) {
  process.stderr.write(formatProblems(loaded.problems));
  process.exit(2);
}
const config = loaded.config;
const logger = createLogger(config.LOG_LEVEL);
const real = new S3ObjectStore(createS3Client(s3Settings(config)), config.S3_BUCKET);
let manifests = 0;
// Every other method runs on the real store itself (its private fields need `this` to be it).
const put = async (key, body, options) => {
  await real.put(key, body, options);
  if (key.includes('manifests/')) {
    manifests += 1;
    if (manifests >= crashAfter) {
      logger.warn({ key }, 'crash-after-manifest: SIGKILL before commit');
      process.kill(process.pid, 'SIGKILL');
    }
  }
};
const store = new Proxy(real, {
  get(target, property) {
    if (property === 'put') return put;
    const value = Reflect.get(target, property, target);
    return typeof value === 'function' ? value.bind(target) : value;
  },
});
const made = await createBackupDaemon(config, {
  logger,
  store,
  streams: manifestOnlyPipeline(),
  monotonicNow: () => performance.now(),
  wallNow: () => Date.now(),
});
if (made.kind !== 'ready') {
  process.stderr.write(made.message);
  process.exit(made.exitCode);
}
process.on('SIGTERM', () => made.daemon.requestStop({ kind: 'signal', signal: 'SIGTERM' }));
process.exitCode = await made.daemon.run();
