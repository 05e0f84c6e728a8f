import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startKafkaBroker } from '../scripts/local/kafka-broker.js';
import { startS3Server } from './helpers/s3-server.js';
import './helpers/shared-servers.js';
import { TEMP_ROOT_ENV } from './helpers/temp-dir.js';
import { testKafkaKind } from './helpers/test-kafka-kind.js';

// Starting these once per run, not per file, saves a few seconds per file and a pile of processes
// on a 2-core machine. Tests that need an empty cluster or a server they can stop start their own.
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const kafkaKind = testKafkaKind(process.env);
  // Workers inherit this process's environment, so every temp dir of the run lands here.
  const tempRoot = mkdtempSync(join(tmpdir(), 'streamvault-test-'));
  process.env[TEMP_ROOT_ENV] = tempRoot;

  const [kafka, s3] = await Promise.allSettled([
    // Real Kafka: one node is enough for the shared cluster; the scenarios that stop a broker start their own.
    startKafkaBroker({ kind: kafkaKind, brokers: kafkaKind === 'kafka' ? 1 : 3, parentDir: tempRoot }),
    startS3Server(),
  ]);
  const teardown = async () => {
    await Promise.allSettled([kafka, s3].map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    rmSync(tempRoot, { recursive: true, force: true });
  };
  if (kafka.status === 'rejected' || s3.status === 'rejected') {
    await teardown();
    throw kafka.status === 'rejected' ? kafka.reason : (s3 as PromiseRejectedResult).reason;
  }
  console.log(`test broker: ${kafka.value.description}`);
  project.provide('kafkaBrokers', kafka.value.brokers);
  project.provide('kafkaKind', kafkaKind);
  project.provide('s3Endpoint', s3.value.endpoint);
  return teardown;
}
