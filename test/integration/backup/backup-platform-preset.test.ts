import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { newBackupTarget } from '../../helpers/backup-target.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { uniqueName } from '../../helpers/names.js';
import { readBackup } from '../../helpers/read-backup.js';
import { sharedKafkaBrokers } from '../../helpers/shared-servers.js';
import { spawnStreamvault } from '../../helpers/streamvault-process.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { testProducer } from '../../helpers/test-producer.js';

describe('streamvault backup with STREAMVAULT_PLATFORM=azul and STREAMVAULT_SOURCES_FILE (built CLI, real broker, real S3)', () => {
  it("backs up the platform's topics under the preset's names, every source of the file except the excluded one", async () => {
    const prefix = uniqueName('p').replaceAll('_', '-');
    const topic = {
      samplesSourced: `azul.${prefix}.samples.binary.sourced`,
      samplesExtracted: `azul.${prefix}.samples.binary.extracted`,
      insert: `azul.${prefix}.system.insert`,
      del: `azul.${prefix}.system.delete`,
      // Source `testing` is excluded from backup in the file: its topic has events, none are backed up.
      testingSourced: `azul.${prefix}.testing.binary.sourced`,
    };
    const counts: Record<string, number> = { [topic.samplesSourced]: 10, [topic.samplesExtracted]: 8, [topic.insert]: 5, [topic.del]: 4, [topic.testingSourced]: 7 };
    const kafka = new Kafka({ brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING });
    const producer = testProducer(kafka);
    withCleanup({ stop: () => producer.disconnect() });
    await producer.connect();
    for (const [name, count] of Object.entries(counts)) {
      await producer.send({ topic: name, messages: Array.from({ length: count }, (_, i) => ({ partition: i % 2, key: `k${i}`, value: Buffer.from(`${name}#${i}`) })) });
    }

    const sourcesFile = join(makeTempDir('sources-'), 'sources.yaml');
    writeFileSync(
      sourcesFile,
      `sources:
  samples:
    description: Generic source
    expire_events_after: "0"
  testing:
    description: Files submitted during testing
    expire_events_after: 7 days
    exclude_from_backup: true
`,
    );
    const { env, store, layout } = await newBackupTarget('platform', {
      extra: {
        STREAMVAULT_PLATFORM: 'azul',
        STREAMVAULT_PLATFORM_PREFIX: prefix,
        STREAMVAULT_SOURCES_FILE: sourcesFile,
        // Explicit beats the preset: two of the five binary actions (the others have no topic here).
        STREAMVAULT_EVENT_TYPES: 'sourced,extracted',
        // And two of the six system models (the unit test checks the preset names all six).
        STREAMVAULT_EXTRA_PAIRS: 'system/insert,system/delete',
        STREAMVAULT_BATCH_MAX_AGE_SECONDS: '600',
      },
    });

    const run = withCleanup(spawnStreamvault(['backup', '--once', '--json'], env));
    expect(await run.exited, run.stderrText()).toBe(0);

    const contents = await readBackup(store, layout);
    expect(contents.indexed).toBe(true);
    const backedUp = [topic.samplesSourced, topic.samplesExtracted, topic.insert, topic.del];
    // The data: each pair's records under the platform's topic names, the excluded source's none.
    const byTopic = new Map<string, string[]>();
    for (const r of contents.records.values()) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r.value!.toString()]);
    expect([...byTopic.keys()].sort()).toEqual([...backedUp].sort());
    for (const name of backedUp) expect(byTopic.get(name)!.sort()).toEqual(Array.from({ length: counts[name]! }, (_, i) => `${name}#${i}`).sort());
    expect(new Set(contents.manifests.map((m) => `${m.source}/${m.event}=${m.topic}`))).toEqual(
      new Set([`samples/sourced=${topic.samplesSourced}`, `samples/extracted=${topic.samplesExtracted}`, `system/insert=${topic.insert}`, `system/delete=${topic.del}`]),
    );
    // The topics were recorded under the same names; the excluded one was never looked at.
    const recorded: string[] = [];
    for await (const o of store.list(`${layout.prefix}topics/`)) recorded.push(o.key);
    expect(recorded.sort()).toEqual(backedUp.map((t) => layout.topicRecordKey(t)).sort());
    expect(run.logs.find((l) => l.msg === 'sources from STREAMVAULT_SOURCES_FILE (excluded sources are not backed up)')).toMatchObject({ backedUp: ['samples'], excluded: ['testing'] });
  });
});
