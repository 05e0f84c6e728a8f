import { Kafka, logLevel } from 'kafkajs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/exit-codes.js';
import { newBackupTarget } from '../../helpers/backup-target.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { uniqueName } from '../../helpers/names.js';
import { sharedKafkaBrokers } from '../../helpers/shared-servers.js';
import { spawnStreamvault } from '../../helpers/streamvault-process.js';
import { testProducer } from '../../helpers/test-producer.js';

const SCHEMA = join(fileURLToPath(new URL('../../..', import.meta.url)), 'testdata/schema');

// Issue 10, item 12: a second backup on the same location without the schema rewrote every
// manifest with "streams": []. Now the location's streamvault.json makes it refuse to start.
describe('backup location config (streamvault.json)', () => {
  it('a backup without the schema the location was written with refuses to start and changes nothing', async () => {
    const kafka = new Kafka({ brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING });
    const producer = testProducer(kafka);
    withCleanup({ stop: () => producer.disconnect() });
    await producer.connect();
    const topic = uniqueName('repo');
    await producer.send({ topic, messages: Array.from({ length: 8 }, (_, i) => ({ partition: i % 4, value: Buffer.from(`value-${i}`) })) });
    const { env, store, layout } = await newBackupTarget('repo', { pairs: { 'samples/sourced': topic } });

    const first = withCleanup(spawnStreamvault(['backup', '--once'], { ...env, STREAMVAULT_EVENT_SCHEMA: SCHEMA }));
    expect(await first.exited, first.stderrText()).toBe(0);
    const snapshot = async () => {
      const objects = new Map<string, Buffer>();
      for await (const o of store.list(layout.prefix)) if (!o.key.startsWith('health/')) objects.set(o.key, await store.get(o.key));
      return objects;
    };
    const before = await snapshot();
    expect(JSON.parse(before.get('streamvault.json')!.toString())).toMatchObject({ settings: { eventDecoding: 'schema', pairs: { 'samples/sourced': topic } } });

    // Replay from the start with a fresh group, without the schema.
    const second = withCleanup(spawnStreamvault(['backup', '--once'], { ...env, STREAMVAULT_KAFKA_GROUP_ID: uniqueName('grp') }));
    expect(await second.exited).toBe(ExitCode.badConfiguration);
    expect(second.stderrText()).toContain('STREAMVAULT_EVENT_SCHEMA: the location was written with a schema');
    expect(second.stderrText()).toContain('this run has empty (no decoding, no streams)');
    const after = await snapshot();
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [key, body] of before) expect(after.get(key)!.equals(body), key).toBe(true);

    // With the stored settings it runs again.
    const third = withCleanup(spawnStreamvault(['backup', '--once'], { ...env, STREAMVAULT_EVENT_SCHEMA: SCHEMA }));
    expect(await third.exited, third.stderrText()).toBe(0);
  });
});
