import { defineConfig } from 'vitest/config';

// The reliability suite (test/reliability, issue 10): fault scenarios against the real parts the
// integration suite uses (its global setup: one broker and one S3 server), each printing one
// `RELIABILITY <scenario> ...` line. Files are `*.scenario.ts` so the default suite never runs them.
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.scenario.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    // Each scenario runs daemons, producers and servers of its own; two at once on a 2-core machine.
    maxWorkers: 2,
    fileParallelism: true,
    env: {
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
});
