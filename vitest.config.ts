import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration files spawn brokers, s3rver and the daemon itself; on a 2-core CI box more than
    // two files at once makes timing-sensitive tests (consumer group joins, retries) flaky.
    maxWorkers: 2,
    env: {
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      // The first name is the one TEST_INFRA.md gives; the installed SDK reads the second.
      AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    // Two projects so that a unit-only run (`vitest run test/unit`) starts no servers and needs
    // no kcat: vitest runs a project's globalSetup only when that project has files to run.
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/integration/**'] } },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], globalSetup: ['test/global-setup.ts'] },
      },
    ],
  },
});
