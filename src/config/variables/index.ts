import { batchingVariables } from './batching.js';
import { compressionVariables } from './compression.js';
import { encryptionVariables } from './encryption.js';
import { generalVariables } from './general.js';
import { kafkaVariables } from './kafka.js';
import { observabilityVariables } from './observability.js';
import { offsetsVariables } from './offsets.js';
import { pairVariables } from './pairs.js';
import { platformVariables } from './platform.js';
import { restoreVariables } from './restore.js';
import { restoreKafkaVariables } from './restore-kafka.js';
import { s3Variables } from './s3.js';
import { s3WriteVariables } from './s3-writes.js';
import { schemaVariables } from './schema.js';
import { streamVariables } from './streams.js';

/** Every variable streamvault reads, in the order the reference documents them. */
export const variables = {
  ...generalVariables,
  ...platformVariables,
  ...kafkaVariables,
  ...pairVariables,
  ...batchingVariables,
  ...compressionVariables,
  ...offsetsVariables,
  ...schemaVariables,
  ...s3Variables,
  ...s3WriteVariables,
  ...encryptionVariables,
  ...streamVariables,
  ...observabilityVariables,
  ...restoreVariables,
  ...restoreKafkaVariables,
};

export type VariableKey = keyof typeof variables;
