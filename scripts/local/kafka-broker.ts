import { startApacheKafka, type ApacheKafkaCluster, type ApacheKafkaSecurity } from './apache-kafka.js';
import { findJvmJars } from './jvm-jars.js';
import { startMockKafkaCluster, type MockKafkaCluster } from './librdkafka-mock-cluster.js';

export type { ApacheKafkaCluster, ApacheKafkaSecurity } from './apache-kafka.js';
export type { MockKafkaCluster } from './librdkafka-mock-cluster.js';

/** Which broker: Apache Kafka (KRaft, from the jars `npm run setup` resolves) or librdkafka's mock (kcat). */
export type KafkaKind = 'kafka' | 'mock';
export const KAFKA_KINDS: readonly KafkaKind[] = ['kafka', 'mock'];

/** A running cluster; branch on `kind` for what only real Kafka can do (stop and start one broker). */
export type KafkaBroker = ApacheKafkaCluster | MockKafkaCluster;

export interface StartKafkaBrokerOptions {
  /** Default 'mock': needs no JDK (the demo's and the benchmark's broker). */
  kind?: KafkaKind;
  /** Number of brokers. Default: 1 on real Kafka, 3 on the mock. */
  brokers?: number;
  /** How long to wait for the cluster to answer, in milliseconds. Default 60000 (kafka), 15000 (mock). */
  startTimeoutMs?: number;
  /** Real Kafka only: where its directory goes. Default: the OS temp dir. */
  parentDir?: string;
  /** Real Kafka only: a secured (SASL, optionally TLS) listener next to PLAINTEXT; see ApacheKafkaSecurity. */
  security?: ApacheKafkaSecurity;
}

/** Starts an independent, empty cluster of the given kind. */
export async function startKafkaBroker(opts: StartKafkaBrokerOptions = {}): Promise<KafkaBroker> {
  const kind = opts.kind ?? 'mock';
  if (kind === 'mock' && opts.security) throw new Error('A secured listener needs real Kafka (kind: kafka); the mock cluster has none');
  if (kind === 'mock') return startMockKafkaCluster({ brokers: opts.brokers, startTimeoutMs: opts.startTimeoutMs });
  const jars = findJvmJars('kafka');
  if (jars.kind === 'missing') {
    throw new Error(`Cannot start Apache Kafka: ${jars.reason}. Run \`npm run setup\` with a JDK 17+ and Maven installed.`);
  }
  return startApacheKafka({
    jarsDir: jars.dir,
    brokers: opts.brokers,
    startTimeoutMs: opts.startTimeoutMs,
    parentDir: opts.parentDir,
    security: opts.security,
  });
}
