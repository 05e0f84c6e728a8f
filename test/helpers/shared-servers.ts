import { inject } from 'vitest';

// One kcat cluster and one s3rver are started by test/global-setup.ts for the whole run. Use
// unique topic and bucket names (names.ts): other files use the same servers at the same time.
declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string[];
    s3Endpoint: string;
  }
}

export function sharedKafkaBrokers(): string[] {
  return inject('kafkaBrokers');
}

/** Endpoint of the shared s3rver; build a client with `s3ClientFor(sharedS3Endpoint())`. */
export function sharedS3Endpoint(): string {
  return inject('s3Endpoint');
}
