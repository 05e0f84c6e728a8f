import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTopicRecord } from '../../../src/storage/topic-record.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { startKafkaBroker } from '../../helpers/kafka-broker.js';
import { uniqueName } from '../../helpers/names.js';
import { jsonLines, makeBackup, newStateDir, origin, readTopic, restoreEnv, runRestoreCli, writeBatch, type Backup } from './restore-fixtures.js';

/** Another pair in the same backup location (bucket, prefix) as `backup`. */
async function pairIn(backup: Backup, source: string, event: string): Promise<Backup> {
  const topic = uniqueName(`orig-${source}-${event}`);
  await writeTopicRecord(backup.store, backup.layout, { version: 1, topic, partitions: 4, configs: { 'retention.ms': '-1' }, recordedAt: new Date().toISOString() });
  return { ...backup, topic, pair: { source, event, topic }, records: [], entries: [], blobs: new Map() };
}

/** The original topics of the restore journal's batch lines, in the order the restore finished them. */
function journalTopicOrder(stateDir: string): string[] {
  const root = join(stateDir, 'restore');
  const [target] = readdirSync(root);
  return readFileSync(join(root, target!, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { op: string; value?: { topic: string } })
    .filter((l) => l.op === 'put')
    .map((l) => l.value!.topic);
}

/** Consecutive runs: ['a','a','b'] -> ['a','b']. */
const runs = (items: readonly string[]) => items.filter((item, i) => i === 0 || items[i - 1] !== item);

describe('streamvault restore: order across pairs', { timeout: 300_000 }, () => {
  it('restores the system models (insert, then delete) before the binary events by default, and in STREAMVAULT_RESTORE_PAIR_ORDER when set', async () => {
    // The binary pair sorts first in the plan ('samples' < 'system'), so a restore that ignored the
    // order would start with it.
    const binary = await makeBackup();
    const insert = await pairIn(binary, 'system', 'insert');
    const del = await pairIn(binary, 'system', 'delete');
    for (const b of [binary, insert, del]) {
      for (const partition of [0, 1]) {
        await writeBatch(b, partition, 0, 10);
        await writeBatch(b, partition, 10, 10);
      }
    }
    const name = new Map([
      [binary.topic, 'samples/sourced'],
      [insert.topic, 'system/insert'],
      [del.topic, 'system/delete'],
    ]);
    const broker = withCleanup(await startKafkaBroker({ startTimeoutMs: 180_000 }));

    // One partition at a time: without ordering, plan order alone would decide.
    const stateDir = newStateDir();
    const run = await runRestoreCli(['--json'], restoreEnv(binary, broker.brokers, stateDir, { STREAMVAULT_RESTORE_STREAM_TARGET: 'none', STREAMVAULT_RESTORE_CONCURRENCY: '1' }));
    expect(run.code, run.stderr).toBe(0);
    expect(jsonLines(run.stdout).at(-1)).toMatchObject({ error_count: 0, events_restored: 120 });
    const order = journalTopicOrder(stateDir).map((t) => name.get(t) ?? `unknown ${t}`);
    expect(order).toHaveLength(12);
    expect(runs(order)).toEqual(['system/insert', 'system/delete', 'samples/sourced']);
    // And the target holds every record of every pair.
    for (const b of [binary, insert, del]) {
      const restored = await readTopic(broker.brokers, b.topic);
      expect(restored.map(origin).sort()).toEqual(b.records.map((r) => `${r.partition}:${r.offset}`).sort());
    }

    // An explicit order, with every partition at once inside a step: steps still follow each other.
    const explicitDir = newStateDir();
    const explicit = await runRestoreCli(
      ['--json'],
      restoreEnv(binary, broker.brokers, explicitDir, {
        STREAMVAULT_RESTORE_STREAM_TARGET: 'none',
        STREAMVAULT_RESTORE_CONCURRENCY: '8',
        STREAMVAULT_RESTORE_TOPIC_TEMPLATE: 'again.{topic}',
        STREAMVAULT_RESTORE_PAIR_ORDER: 'samples/*,system/delete',
      }),
    );
    expect(explicit.code, explicit.stderr).toBe(0);
    const explicitOrder = journalTopicOrder(explicitDir).map((t) => name.get(t) ?? `unknown ${t}`);
    expect(explicitOrder).toHaveLength(12);
    expect(runs(explicitOrder)).toEqual(['samples/sourced', 'system/delete', 'system/insert']);
    for (const b of [binary, insert, del]) {
      expect((await readTopic(broker.brokers, `again.${b.topic}`)).map(origin).sort()).toEqual(b.records.map((r) => `${r.partition}:${r.offset}`).sort());
    }
  });
});
