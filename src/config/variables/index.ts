import { batchingVariables } from './batching.js';
import { generalVariables } from './general.js';
import { kafkaVariables } from './kafka.js';
import { pairVariables } from './pairs.js';
import { s3Variables } from './s3.js';
import { schemaVariables } from './schema.js';

/** Every variable streamvault reads, in the order the reference documents them. */
export const variables = {
  ...generalVariables,
  ...kafkaVariables,
  ...pairVariables,
  ...batchingVariables,
  ...schemaVariables,
  ...s3Variables,
};

export type VariableKey = keyof typeof variables;
