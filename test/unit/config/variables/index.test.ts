import { describe, expect, it } from 'vitest';
import type { Variable } from '../../../../src/config/variable.js';
import { variables } from '../../../../src/config/variables/index.js';
import { batchingVariables } from '../../../../src/config/variables/batching.js';
import { compressionVariables } from '../../../../src/config/variables/compression.js';
import { encryptionVariables } from '../../../../src/config/variables/encryption.js';
import { generalVariables } from '../../../../src/config/variables/general.js';
import { kafkaVariables } from '../../../../src/config/variables/kafka.js';
import { observabilityVariables } from '../../../../src/config/variables/observability.js';
import { offsetsVariables } from '../../../../src/config/variables/offsets.js';
import { pairVariables } from '../../../../src/config/variables/pairs.js';
import { platformVariables } from '../../../../src/config/variables/platform.js';
import { restoreVariables } from '../../../../src/config/variables/restore.js';
import { restoreKafkaVariables } from '../../../../src/config/variables/restore-kafka.js';
import { s3Variables } from '../../../../src/config/variables/s3.js';
import { s3WriteVariables } from '../../../../src/config/variables/s3-writes.js';
import { schemaVariables } from '../../../../src/config/variables/schema.js';
import { streamVariables } from '../../../../src/config/variables/streams.js';

const tables = {
  generalVariables,
  platformVariables,
  kafkaVariables,
  pairVariables,
  batchingVariables,
  compressionVariables,
  offsetsVariables,
  schemaVariables,
  s3Variables,
  s3WriteVariables,
  encryptionVariables,
  streamVariables,
  observabilityVariables,
  restoreVariables,
  restoreKafkaVariables,
};

describe('variables', () => {
  it('holds every variable of every table: no table declares a name another one does (the later would silently win)', () => {
    const declared = Object.values(tables).flatMap((table) => Object.keys(table));
    expect(new Set(declared).size, 'names declared in more than one table').toBe(declared.length);
    expect(Object.keys(variables).sort()).toEqual([...declared].sort());
  });

  it('keys each variable by its own name, an upper-case name without the prefix', () => {
    for (const [key, v] of Object.entries(variables) as Array<[string, Variable<unknown>]>) {
      expect(v.name, key).toBe(key);
      expect(v.name, key).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(v.name.startsWith('STREAMVAULT_'), key).toBe(false);
    }
  });

  it('lists general and platform variables first and the restore target last, the order the reference documents', () => {
    const keys = Object.keys(variables);
    expect(keys.slice(0, Object.keys(generalVariables).length)).toEqual(Object.keys(generalVariables));
    expect(keys.slice(-Object.keys(restoreKafkaVariables).length)).toEqual(Object.keys(restoreKafkaVariables));
  });
});
