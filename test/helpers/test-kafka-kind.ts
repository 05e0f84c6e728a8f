import { KAFKA_KINDS, type KafkaKind } from '../../scripts/local/kafka-broker.js';
import { findJvmJars } from '../../scripts/local/jvm-jars.js';

/** Chooses the integration suite's broker; read by test/global-setup.ts only. */
export const TEST_KAFKA_ENV = 'STREAMVAULT_TEST_KAFKA';

/**
 * The broker kind the run asked for (default 'kafka'), checked up front: asking for real Kafka
 * on a machine without the JDK or the resolved jars is an error that says what to do, never a
 * silent fallback to the mock.
 */
export function testKafkaKind(env: NodeJS.ProcessEnv): KafkaKind {
  const raw = env[TEST_KAFKA_ENV] ?? 'kafka';
  if (!(KAFKA_KINDS as readonly string[]).includes(raw)) {
    throw new Error(`Expected ${TEST_KAFKA_ENV} to be one of ${KAFKA_KINDS.join(', ')}, got \`${raw}\``);
  }
  const kind = raw as KafkaKind;
  if (kind === 'kafka') {
    const jars = findJvmJars('kafka');
    if (jars.kind === 'missing') {
      throw new Error(
        `The integration tests run on Apache Kafka (${TEST_KAFKA_ENV}=kafka, the default), but ${jars.reason}. ` +
          `Run \`npm run setup\` on a machine with a JDK 17+ and Maven, or set ${TEST_KAFKA_ENV}=mock to run them ` +
          `on librdkafka's mock cluster (kcat) instead.`,
      );
    }
  }
  return kind;
}
