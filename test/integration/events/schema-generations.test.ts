// Issue 12 items 1 and 2: a topic holding events of two schema generations (an upgrade in
// progress), the platform's other event models under the default type map, and the one line the
// daemon logs when most events of a pair do not decode. Everything is asserted on what the
// bucket holds: manifests, events objects and the streams copied to streams/.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractStreamReferences } from '../../../src/events/stream-references.js';
import { DEFAULT_REFERENCE_LAYOUT, parseReferenceLayout, type ReferenceLayout } from '../../../src/config/reference-layout.js';
import type { ManifestEntry } from '../../../src/storage/manifest.js';
import { loadSamples, type LoadedPair, type LoadedSamples } from '../../../scripts/testdata/load-samples.js';
import { listSamplePairs } from '../../../scripts/testdata/sample-files.js';
import { newBackupTarget, type BackupTarget } from '../../helpers/backup-target.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { uniqueName } from '../../helpers/names.js';
import { readBackup, waitForBackup } from '../../helpers/read-backup.js';
import { sharedKafkaBrokers } from '../../helpers/shared-servers.js';
import { startStreamServer, type StreamServer } from '../../helpers/stream-server.js';
import { spawnStreamvault, type LogLine } from '../../helpers/streamvault-process.js';
import { testProducer } from '../../helpers/test-producer.js';

const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const TESTDATA = join(ROOT, 'testdata');
const CORPUS = join(ROOT, '../shared/azul-corpus');
const MOSTLY = 'most events of this pair do not decode';

let producer: Producer;
let samples: LoadedSamples;
let layout: ReferenceLayout;

beforeAll(async () => {
  producer = testProducer(new Kafka({ brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING }));
  await producer.connect();
  samples = await loadSamples(TESTDATA);
  const parsed = parseReferenceLayout(DEFAULT_REFERENCE_LAYOUT);
  if (parsed.kind !== 'parsed') throw new Error('default layout does not parse');
  layout = parsed.layout;
});

afterAll(async () => {
  await producer?.disconnect();
});

const pairOf = (source: string, event: string): LoadedPair => samples.pairs.find((p) => p.source === source && p.event === event)!;

/** The generation and JSON twin of each message of a testdata pair, from records.json (not the decoder). */
async function recordsOf(source: string, event: string) {
  const pair = (await listSamplePairs(TESTDATA)).find((p) => p.source === source && p.event === event)!;
  return pair.records.map((r) => ({
    generation: r.generation!,
    references: extractStreamReferences(JSON.parse(readFileSync(join(pair.dir, r.datum.replace(/\.avro$/, '.json')), 'utf8')) as unknown, layout).references,
  }));
}

/** All messages on partition 0, in order, so offsets are the testdata order. */
async function produce(topic: string, messages: LoadedPair['messages'], times = 1): Promise<void> {
  for (let round = 0; round < times; round++) {
    await producer.send({ topic, messages: messages.map((m) => ({ partition: 0, key: m.key, value: m.value, timestamp: m.timestamp, headers: Object.fromEntries(m.headers.map((h) => [h.key, h.value ?? ''])) })) });
  }
}

function serve(server: StreamServer, references: ReadonlyArray<{ source: string; label: string; sha256: string }>): void {
  for (const ref of references) {
    const recipe = samples.streams.get(ref.sha256)!;
    server.putGenerated(ref.source, ref.label, recipe.size, recipe.seed);
  }
}

/** sha256 of the object stored under streams/ for each stream key's sha. */
async function storedStreams(target: BackupTarget): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const object of target.store.list(target.layout.streamsPrefix())) {
    const hash = createHash('sha256');
    for await (const chunk of await target.store.getStream(object.key)) hash.update(chunk as Buffer);
    out.set(object.key.slice(object.key.lastIndexOf('/') + 1), hash.digest('hex'));
  }
  return out;
}

function sumGenerations(manifests: readonly ManifestEntry[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const m of manifests) for (const [name, n] of Object.entries(m.generations ?? {})) sum[name] = (sum[name] ?? 0) + n;
  return sum;
}

const refKey = (r: { source: string; label: string; sha256: string }) => `${r.source}/${r.label}/${r.sha256}`;
const mostlyLines = (logs: readonly LogLine[]) => logs.filter((l) => l.msg.startsWith(MOSTLY));

describe('schema generations (issue 12 item 1)', () => {
  it('with only the newest generation the old events are malformed (bytes backed up, streams not); adding the old generation on the same location decodes them all and copies every stream', { timeout: 180_000 }, async () => {
    const server = withCleanup(await startStreamServer());
    const topic = uniqueName('upgrade');
    const sourced = pairOf('testing', 'sourced');
    const records = await recordsOf('testing', 'sourced');
    expect(new Set(records.map((r) => r.generation))).toEqual(new Set(['v6', 'v7']));
    const old = records.filter((r) => r.generation === 'v6').length;
    const all = records.flatMap((r) => r.references);
    const newest = records.filter((r) => r.generation === 'v7').flatMap((r) => r.references);
    expect(newest.length).toBeGreaterThan(0);
    serve(server, all);
    await produce(topic, sourced.messages);
    const target = await newBackupTarget('generations', {
      pairs: { 'testing/sourced': topic },
      extra: { STREAMVAULT_STREAM_SOURCE_URL: server.baseUrl, STREAMVAULT_EVENT_SCHEMA: join(TESTDATA, 'schema', 'v7') },
    });

    // 1. Only v7: the v6 events count malformed; every record is backed up byte for byte.
    const first = withCleanup(spawnStreamvault(['backup', '--once'], target.env));
    expect(await first.exited, first.stderrText()).toBe(0);
    const one = await waitForBackup(target.store, target.layout, sourced.messages.length);
    expect(one.manifests.reduce((n, m) => n + m.malformed, 0)).toBe(old);
    expect(one.manifests.flatMap((m) => m.malformedOffsets).map(Number).sort((a, b) => a - b)).toEqual(
      records.flatMap((r, i) => (r.generation === 'v6' ? [i] : [])),
    );
    expect(sumGenerations(one.manifests)).toEqual({ v7: records.length - old });
    const backedUp = [...one.records.values()].sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)));
    expect(backedUp.map((r) => r.value?.toString('base64'))).toEqual(sourced.messages.map((m) => m.value.toString('base64')));
    expect(new Set(one.manifests.flatMap((m) => m.streams.map(refKey)))).toEqual(new Set(newest.map(refKey)));
    // 5 of 8 did not decode: one line says so, at error, naming the settings.
    expect(mostlyLines(first.logs)).toHaveLength(1);
    expect(mostlyLines(first.logs)[0]).toMatchObject({ level: 'error', pair: 'testing/sourced', malformed: old, of: records.length });
    expect(mostlyLines(first.logs)[0]!.msg).toContain('STREAMVAULT_EVENT_SCHEMA');

    // 2. Both generations, same location, a fresh group (a replay): not refused; every event decodes.
    const second = withCleanup(
      spawnStreamvault(['backup', '--once'], { ...target.env, STREAMVAULT_EVENT_SCHEMA: join(TESTDATA, 'schema'), STREAMVAULT_KAFKA_GROUP_ID: uniqueName('grp') }),
    );
    expect(await second.exited, second.stderrText()).toBe(0);
    const two = await readBackup(target.store, target.layout);
    expect(two.records.size).toBe(sourced.messages.length);
    expect(two.manifests.reduce((n, m) => n + m.malformed, 0)).toBe(0);
    expect(sumGenerations(two.manifests)).toEqual({ v6: old, v7: records.length - old });
    expect(new Set(two.manifests.flatMap((m) => m.streams.map(refKey)))).toEqual(new Set(all.map(refKey)));
    const stored = await storedStreams(target);
    for (const ref of all) expect(stored.get(ref.sha256), refKey(ref)).toBe(ref.sha256);
    expect(mostlyLines(second.logs)).toHaveLength(0);
    expect(second.logs.find((l) => l.msg.startsWith('event schema generations loaded'))).toMatchObject({ generations: [{ name: 'v7' }, { name: 'v6' }] });
  });
});

describe('the default type map decodes every platform model (issue 12 item 2)', () => {
  it('download, plugin, retrohunt and status events decode with the defaults: no malformed event, counted per generation', { timeout: 120_000 }, async () => {
    const models = ['download', 'plugin', 'retrohunt', 'status'];
    const topics = Object.fromEntries(models.map((m) => [`system/${m}`, uniqueName(`model-${m}`)]));
    for (const model of models) await produce(topics[`system/${model}`]!, pairOf('system', model).messages);
    const target = await newBackupTarget('models', { pairs: topics, extra: { STREAMVAULT_EVENT_SCHEMA: join(TESTDATA, 'schema') } });
    const run = withCleanup(spawnStreamvault(['backup', '--once'], target.env));
    expect(await run.exited, run.stderrText()).toBe(0);
    const total = models.reduce((n, m) => n + pairOf('system', m).messages.length, 0);
    const contents = await waitForBackup(target.store, target.layout, total);
    for (const model of models) {
      const manifests = contents.manifests.filter((m) => m.event === model);
      expect(manifests.reduce((n, m) => n + m.malformed, 0), model).toBe(0);
      expect(sumGenerations(manifests), model).toEqual({ v6: pairOf('system', model).messages.length });
    }
    expect(mostlyLines(run.logs)).toHaveLength(0);
  });

  it('a map without the model\'s entry: every event backed up and counted malformed, and ONE error line names the pair and the setting', { timeout: 120_000 }, async () => {
    const topic = uniqueName('plugin-unmapped');
    const plugin = pairOf('system', 'plugin');
    const rounds = 10; // 30 events: more than the verdict's window of 20
    await produce(topic, plugin.messages, rounds);
    const target = await newBackupTarget('unmapped', {
      pairs: { 'system/plugin': topic },
      extra: { STREAMVAULT_EVENT_SCHEMA: join(TESTDATA, 'schema'), STREAMVAULT_EVENT_TYPE_MAP: 'insert=InsertEvent,*=BinaryEvent|BulkBinaryEvent' },
    });
    const run = withCleanup(spawnStreamvault(['backup', '--once'], target.env));
    expect(await run.exited, run.stderrText()).toBe(0);
    const count = plugin.messages.length * rounds;
    const contents = await waitForBackup(target.store, target.layout, count);
    expect(contents.manifests.reduce((n, m) => n + m.malformed, 0)).toBe(count);
    expect(contents.manifests.every((m) => m.generations === undefined)).toBe(true);
    const said = mostlyLines(run.logs);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatchObject({ level: 'error', pair: 'system/plugin', topic, malformed: 20, of: 20, eventType: 'plugin' });
    expect(said[0]!.msg).toContain('STREAMVAULT_EVENT_TYPE_MAP');
    expect(said[0]!.msg).toContain('the fallback entry `*=BinaryEvent|BulkBinaryEvent`');
    // The per-event lines stay bounded (5 detailed, then summaries), not one per event.
    expect(run.logs.filter((l) => l.msg.startsWith('event does not decode')).length).toBeLessThanOrEqual(5);
  });
});

describe.skipIf(!existsSync(join(CORPUS, 'schemas')))('the real corpus with STREAMVAULT_EVENT_SCHEMA=schemas/ (its generations) and the default map', () => {
  it('decodes every binary, insert and delete event, finds exactly the references of their JSON twins, and counts them per generation', { timeout: 120_000 }, async () => {
    const generations = readdirSync(join(CORPUS, 'schemas'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    const folders = { binary: 'corpus/sourced', insert: 'corpus/insert', delete: 'corpus/delete' } as const;
    const topics = Object.fromEntries(Object.values(folders).map((pair) => [pair, uniqueName('corpus')]));
    const expected = new Set<string>();
    let produced = 0;
    for (const [folder, pair] of Object.entries(folders)) {
      const dir = join(CORPUS, 'events', folder);
      const files = readdirSync(dir).filter((f) => f.endsWith('.json.avro')).sort();
      for (const file of files) {
        const json = JSON.parse(readFileSync(join(dir, file.slice(0, -'.avro'.length)), 'utf8')) as unknown;
        for (const r of extractStreamReferences(json, layout).references) expected.add(refKey(r));
      }
      await producer.send({ topic: topics[pair]!, messages: files.map((f) => ({ partition: 0, key: 'k', value: readFileSync(join(dir, f)) })) });
      produced += files.length;
    }
    const server = withCleanup(await startStreamServer());
    const target = await newBackupTarget('corpus-gen', {
      pairs: topics,
      extra: { STREAMVAULT_EVENT_SCHEMA: join(CORPUS, 'schemas'), STREAMVAULT_STREAM_SOURCE_URL: server.baseUrl },
    });
    const run = withCleanup(spawnStreamvault(['backup', '--once'], target.env));
    expect(await run.exited, run.stderrText()).toBe(0);
    const contents = await waitForBackup(target.store, target.layout, produced);
    expect(contents.manifests.reduce((n, m) => n + m.malformed, 0)).toBe(0);
    const counted = sumGenerations(contents.manifests);
    expect(Object.values(counted).reduce((a, b) => a + b, 0)).toBe(produced);
    for (const name of Object.keys(counted)) expect(generations).toContain(name);
    expect(new Set(contents.manifests.flatMap((m) => m.streams.map(refKey)))).toEqual(expected);
  });
});
