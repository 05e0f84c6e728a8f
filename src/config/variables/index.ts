import { batchingVariables } from './batching.js';
import { generalVariables } from './general.js';
import { kafkaVariables } from './kafka.js';
import { observabilityVariables } from './observability.js';
import { offsetsVariables } from './offsets.js';
import { pairVariables } from './pairs.js';
import { restoreVariables } from './restore.js';
import { s3Variables } from './s3.js';
import { schemaVariables } from './schema.js';
import { streamVariables } from './streams.js';

/** Every variable streamvault reads, in the order the reference documents them. */
export const variables = {
  ...generalVariables,
  ...kafkaVariables,
  ...pairVariables,
  ...batchingVariables,
  ...offsetsVariables,
  ...schemaVariables,
  ...s3Variables,
  ...streamVariables,
  ...observabilityVariables,
  ...restoreVariables,
};

export type VariableKey = keyof typeof variables;
