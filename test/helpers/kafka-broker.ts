// The source lives in scripts/local so that the demo (compiled by tsc) and the tests share it.
// Here a private cluster is of the run's kind (STREAMVAULT_TEST_KAFKA) unless asked otherwise,
// and real Kafka keeps its data under the run's temp root, which the global teardown deletes.
import {
  startKafkaBroker as startLocalKafkaBroker,
  type KafkaBroker,
  type StartKafkaBrokerOptions,
} from '../../scripts/local/kafka-broker.js';
import { sharedKafkaKind } from './shared-servers.js';
import { makeTempDir } from './temp-dir.js';

export * from '../../scripts/local/kafka-broker.js';

export function startKafkaBroker(opts: StartKafkaBrokerOptions = {}): Promise<KafkaBroker> {
  return startLocalKafkaBroker({ kind: sharedKafkaKind(), parentDir: makeTempDir('kafka-'), ...opts });
}
