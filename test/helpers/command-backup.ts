import { KeyLayout } from '../../src/storage/key-layout.js';
import { writeFixtureBackup } from './backup-fixture.js';
import { MemoryObjectStore } from './memory-object-store.js';

/** The environment the command unit tests run the CLI with: a bucket, a prefix, no log output. */
export const COMMAND_ENV = { STREAMVAULT_S3_BUCKET: 'vault', STREAMVAULT_S3_PREFIX: 'team/', STREAMVAULT_LOG_LEVEL: 'silent' };
export const COMMAND_LAYOUT = new KeyLayout('team/');

/** A small real backup (one batch of three events, its streams) under COMMAND_ENV's prefix, in memory. */
export async function commandBackup(store = new MemoryObjectStore()) {
  const fixture = await writeFixtureBackup(store, COMMAND_LAYOUT, { batches: 1, perBatch: 3 });
  return { store, fixture };
}
