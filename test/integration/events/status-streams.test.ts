// Issue 12, the gap left by item 2: a status event references streams nested in its results
// (`entity.results[].entity.datastreams[]`, each under the result's own `source.name`) and in its
// input event. A backup with the default reference layout copies every one of them into S3 and
// records them in the manifests; a restore posts every one of them back, byte for byte.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedSha256 } from '../../../scripts/local/generated-bytes.js';
import { loadSamples, type LoadedPair, type LoadedSamples } from '../../../scripts/testdata/load-samples.js';
import { jsonTwinName, listSamplePairs } from '../../../scripts/testdata/sample-files.js';
import { newBackupTarget, type BackupTarget } from '../../helpers/backup-target.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { uniqueName } from '../../helpers/names.js';
import { waitForBackup } from '../../helpers/read-backup.js';
import { sharedKafkaBrokers } from '../../helpers/shared-servers.js';
import { startStreamServer } from '../../helpers/stream-server.js';
import { spawnStreamvault } from '../../helpers/streamvault-process.js';
import { testProducer } from '../../helpers/test-producer.js';
import { newStateDir, readTopic, restoreEnv, runRestoreCli } from '../restore/restore-fixtures.js';

const TESTDATA = join(resolve(fileURLToPath(new URL('../../../', import.meta.url))), 'testdata');

interface Ref {
  source: string;
  label: string;
  sha256: string;
}
interface TwinBinary {
  source: { name: string };
  entity: { datastreams: Array<{ label: string; sha256: string }> };
}
interface TwinStatus {
  entity: { input: TwinBinary; results: TwinBinary[] };
}

let producer: Producer;
let samples: LoadedSamples;

beforeAll(async () => {
  producer = testProducer(new Kafka({ brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING }));
  await producer.connect();
  samples = await loadSamples(TESTDATA);
});

afterAll(async () => {
  await producer?.disconnect();
});

const refKey = (r: Ref) => `${r.source}/${r.label}/${r.sha256}`;

/** The references of testdata's status events, walked by hand from their JSON twins (not through the layout). */
async function statusReferences(): Promise<{ input: Ref[]; results: Ref[] }> {
  const pair = (await listSamplePairs(TESTDATA)).find((p) => p.source === 'system' && p.event === 'status')!;
  const input: Ref[] = [];
  const results: Ref[] = [];
  const streamsOf = (event: TwinBinary) => event.entity.datastreams.map((d) => ({ source: event.source.name, label: d.label, sha256: d.sha256 }));
  for (const record of pair.records) {
    const twin = JSON.parse(readFileSync(join(pair.dir, jsonTwinName(record.datum)), 'utf8')) as TwinStatus | { events: TwinStatus[] };
    for (const status of 'events' in twin ? twin.events : [twin]) {
      input.push(...streamsOf(status.entity.input));
      for (const result of status.entity.results) results.push(...streamsOf(result));
    }
  }
  return { input, results };
}

async function storedStreams(target: BackupTarget): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const object of target.store.list(target.layout.streamsPrefix())) {
    const hash = createHash('sha256');
    for await (const chunk of await target.store.getStream(object.key)) hash.update(chunk as Buffer);
    out.set(object.key.slice(object.key.lastIndexOf('/') + 1), hash.digest('hex'));
  }
  return out;
}

describe('status events: the streams of their results and input (issue 12)', () => {
  it('a backup with the defaults copies every nested stream into S3 and its manifests; a restore posts each back under its result\'s source', { timeout: 180_000 }, async () => {
    const status: LoadedPair = samples.pairs.find((p) => p.source === 'system' && p.event === 'status')!;
    const { input, results } = await statusReferences();
    const expected = new Map([...input, ...results].map((r) => [refKey(r), r]));
    const inputShas = new Set(input.map((r) => r.sha256));
    const onlyInResults = results.filter((r) => !inputShas.has(r.sha256));
    // What the layout of before nested arrays missed: streams only a result references, under two sources.
    expect(onlyInResults.length).toBeGreaterThanOrEqual(4);
    expect(new Set(results.map((r) => r.source))).toEqual(new Set(['samples', 'testing']));

    const source = withCleanup(await startStreamServer());
    for (const ref of expected.values()) {
      const recipe = samples.streams.get(ref.sha256)!;
      source.putGenerated(ref.source, ref.label, recipe.size, recipe.seed);
    }
    const topic = uniqueName('status');
    await producer.send({
      topic,
      messages: status.messages.map((m) => ({ partition: 0, key: m.key, value: m.value, timestamp: m.timestamp, headers: Object.fromEntries(m.headers.map((h) => [h.key, h.value ?? ''])) })),
    });
    const target = await newBackupTarget('status-streams', {
      pairs: { 'system/status': topic },
      extra: { STREAMVAULT_EVENT_SCHEMA: join(TESTDATA, 'schema'), STREAMVAULT_STREAM_SOURCE_URL: source.baseUrl },
    });

    const backup = withCleanup(spawnStreamvault(['backup', '--once'], target.env));
    expect(await backup.exited, backup.stderrText()).toBe(0);
    const contents = await waitForBackup(target.store, target.layout, status.messages.length);
    expect(contents.manifests.reduce((n, m) => n + m.malformed, 0)).toBe(0);
    expect(new Set(contents.manifests.flatMap((m) => m.streams.map(refKey)))).toEqual(new Set(expected.keys()));
    const stored = await storedStreams(target);
    expect([...stored.keys()].sort()).toEqual([...new Set([...expected.values()].map((r) => r.sha256))].sort());
    for (const [key, hash] of stored) expect(hash, key).toBe(key);

    // Restore into new topics and an empty stream store.
    const store = withCleanup(await startStreamServer());
    const restored = `${topic}-restored`;
    const env = restoreEnv(target, sharedKafkaBrokers(), newStateDir(), {
      STREAMVAULT_RESTORE_STREAM_URL: store.baseUrl,
      STREAMVAULT_RESTORE_TOPIC_TEMPLATE: '{topic}-restored',
    });
    const run = await runRestoreCli(['--json'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(new Set(store.posted.map(refKey))).toEqual(new Set(expected.keys()));
    for (const posted of store.posted) {
      const recipe = samples.streams.get(posted.sha256)!;
      expect(generatedSha256(recipe.size, recipe.seed)).toBe(posted.sha256);
      expect(posted.size).toBe(recipe.size);
      expect(posted.expectedSha256).toBe(posted.sha256);
    }
    const records = await readTopic(sharedKafkaBrokers(), restored);
    expect(records.map((r) => r.value?.toString('base64'))).toEqual(status.messages.map((m) => m.value.toString('base64')));
  });
});
