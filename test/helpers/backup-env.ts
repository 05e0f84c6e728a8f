/** STREAMVAULT_ variables for a backup against the test servers, with test-sized batching. */
export function backupEnv(options: {
  brokers: readonly string[];
  s3Endpoint: string;
  bucket: string;
  stateDir: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    STREAMVAULT_KAFKA_BROKERS: options.brokers.join(','),
    STREAMVAULT_S3_ENDPOINT: options.s3Endpoint,
    STREAMVAULT_S3_BUCKET: options.bucket,
    STREAMVAULT_S3_FORCE_PATH_STYLE: 'true',
    STREAMVAULT_S3_ACCESS_KEY_ID: 'S3RVER',
    STREAMVAULT_S3_SECRET_ACCESS_KEY: 'S3RVER',
    STREAMVAULT_S3_REGION: 'us-east-1',
    STREAMVAULT_STATE_DIR: options.stateDir,
    STREAMVAULT_BATCH_MAX_AGE_SECONDS: '1',
    STREAMVAULT_SHUTDOWN_GRACE_SECONDS: '10',
    STREAMVAULT_LOG_LEVEL: 'info',
    // Daemons of parallel test files would collide on the default port; 0 picks a free one (logged).
    STREAMVAULT_METRICS_PORT: '0',
    STREAMVAULT_METRICS_HOST: '127.0.0.1',
    ...options.extra,
  };
}

/**
 * Exactly these pairs, each on its own topic (`source/event` -> topic): no cross product of
 * STREAMVAULT_SOURCES and STREAMVAULT_EVENT_TYPES, so a test's daemon consumes only its own topics.
 */
export function pairsEnv(pairs: Record<string, string>): Record<string, string> {
  return {
    STREAMVAULT_SOURCES: '',
    STREAMVAULT_EVENT_TYPES: '',
    STREAMVAULT_EXTRA_PAIRS: Object.keys(pairs).join(','),
    STREAMVAULT_TOPICS: Object.entries(pairs)
      .map(([pair, topic]) => `${pair}=${topic}`)
      .join(','),
  };
}
