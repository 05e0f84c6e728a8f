import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SchemaGeneration } from '../../src/events/schema-generations.js';
import { generatedSha256 } from '../local/generated-bytes.js';
import { datumToJsonTwin, jsonTwinName, RECORDS_FILE, type RecordsFile, type SampleRecord } from './sample-files.js';
import { seededRandom as prng } from '../local/seeded-random.js';

/**
 * Builds the project's sample events deterministically (same output on every machine and run).
 * Blobs are never stored: each is `generatedChunks(size, seed)` (scripts/local/generated-bytes.ts),
 * listed in `streams.json` by sha256, so a stream source can serve them and a restore can be
 * compared byte for byte.
 */
export interface StreamRecipe {
  sha256: string;
  /** Bytes. */
  size: number;
  seed: number;
  mime: string;
}

export interface StreamsFile {
  streams: StreamRecipe[];
}

interface Blob extends StreamRecipe {}

// 2025-03-01T00:00:00Z in microseconds: the platform's timestamps are timestamp-micros.
const START_MICROS = 1_740_787_200_000_000n;
const MODEL_VERSION = 6;
/** The schema generations of testdata/schema/: events are written with v6 unless they say otherwise. */
const GENERATION = 'v6';
const NEXT_GENERATION = 'v7';

interface Pending {
  source: string;
  event: string;
  type: string;
  value: Record<string, unknown>;
  key: string;
  timestampMicros: bigint;
  headers: Array<{ key: string; value: string }>;
  generation: string;
}

/**
 * Writes samples of `schema/`'s generations into `root` (events/ and streams.json); replaces them.
 * Most events are v6; `testing/sourced` ends with events of v7 (a field added to the binary event
 * and to each datastream), as a topic holds during an upgrade; `system/{download,plugin,retrohunt,status}`
 * hold the platform's other models.
 */
export async function generateSamples(root: string, generations: readonly SchemaGeneration[]): Promise<{ events: number; streams: number }> {
  const random = prng(20250301);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const blobs = new Map<string, Blob>();
  let nextSeed = 1;
  const blob = (size: number, mime: string): Blob => {
    const seed = nextSeed++;
    const made: Blob = { sha256: generatedSha256(size, seed), size, seed, mime };
    blobs.set(made.sha256, made);
    return made;
  };
  let clock = START_MICROS;
  const tick = () => (clock += BigInt(int(1, 90)) * 1_000_000n);
  const hex = (text: string) => createHash('sha256').update(text).digest('hex');

  const plugin = (name: string) => ({ name, category: 'plugin', version: `1.${int(0, 9)}.${int(0, 20)}` });
  const datastream = (label: string, b: Blob) => ({ label, sha256: b.sha256, size: b.size, mime: b.mime });
  const entity = (content: Blob, format: string, extra: Blob[] = [], labels: string[] = []) => ({
    sha256: content.sha256,
    size: content.size,
    file_format: format,
    features: [
      { name: 'file_format', value: format },
      { name: 'entropy', value: (random() * 8).toFixed(3) },
    ],
    datastreams: [datastream('content', content), ...extra.map((b, i) => datastream(labels[i] ?? 'text', b))],
  });
  const sourceOf = (name: string, hops: Array<{ author: string; action: string; sha256: string }>, at: bigint) => ({
    name,
    references: { campaign: `c-${int(100, 999)}`, submitter: name === 'samples' ? 'analyst' : 'ci' },
    path: hops.map((hop, i) => ({ author: plugin(hop.author), action: hop.action, sha256: hop.sha256, timestamp: at - BigInt(hops.length - i) * 1_000_000n })),
    timestamp: at,
  });

  const pending: Pending[] = [];
  const add = (source: string, event: string, type: string, value: Record<string, unknown>, key: string, at: bigint, generation = GENERATION) => {
    pending.push({
      source,
      event,
      type,
      value,
      key,
      generation,
      timestampMicros: at,
      headers: [
        { key: 'content-type', value: 'application/avro' },
        { key: 'trace-id', value: hex(`${source}/${event}/${pending.length}`).slice(0, 16) },
      ],
    });
  };
  const binaryEvent = (source: string, action: string, ent: ReturnType<typeof entity>, hops: Array<{ author: string; action: string; sha256: string }>, author: string) => {
    const at = tick();
    return {
      model_version: MODEL_VERSION,
      kafka_key: `${source}.${action}.${ent.sha256.slice(0, 16)}`,
      timestamp: at,
      author: plugin(author),
      source: sourceOf(source, hops, at),
      action,
      entity: ent,
      dequeued: action === 'enriched' ? `dq-${int(1000, 9999)}` : null,
    };
  };
  const addBinary = (source: string, value: ReturnType<typeof binaryEvent>) =>
    add(source, value.action, 'BinaryEvent', value, value.kafka_key, value.timestamp);

  const formats = ['pe32', 'zip', 'pdf', 'elf64', 'docx', 'text'];
  // Each source's files: one content blob each. File 0 of `testing` is file 0 of `samples` (the
  // same bytes submitted twice): content-addressed storage keeps it once, restore posts it to both.
  const files: Record<string, Array<{ content: Blob; format: string }>> = { samples: [], testing: [] };
  for (let i = 0; i < 10; i++) {
    // One large file, so that byte counts and the progress bar have something to show.
    const size = i === 3 ? 2 * 1024 * 1024 : int(1024, 192 * 1024);
    files.samples!.push({ content: blob(size, 'application/octet-stream'), format: formats[i % formats.length]! });
  }
  files.testing!.push(files.samples![0]!);
  for (let i = 1; i < 5; i++) {
    files.testing!.push({ content: blob(int(512, 64 * 1024), 'application/octet-stream'), format: formats[(i + 2) % formats.length]! });
  }

  const children: Array<{ source: string; parent: Blob; child: Blob; format: string }> = [];
  for (const [source, list] of Object.entries(files)) {
    for (const file of list) {
      addBinary(source, binaryEvent(source, 'sourced', entity(file.content, file.format), [], 'submitter'));
    }
    // Archives yield children: an `extracted` event per child, referencing the child's content.
    list.forEach((file, i) => {
      if (i % (source === 'samples' ? 2 : 3) !== 0) return;
      const child = blob(int(256, 32 * 1024), 'application/octet-stream');
      children.push({ source, parent: file.content, child, format: 'text' });
      addBinary(
        source,
        binaryEvent(source, 'extracted', entity(child, 'text'), [{ author: 'submitter', action: 'sourced', sha256: file.content.sha256 }], 'unpacker'),
      );
    });
  }
  // Enrichment re-references the content (the hit cache and the bucket check dedupe it) and adds a
  // derived `text` stream; in `testing` three of them travel in one BulkBinaryEvent.
  for (const [source, list] of Object.entries(files)) {
    const enriched = list.map((file) => {
      const text = blob(int(128, 8 * 1024), 'text/plain');
      return binaryEvent(source, 'enriched', entity(file.content, file.format, [text], ['text']), [{ author: 'submitter', action: 'sourced', sha256: file.content.sha256 }], 'strings');
    });
    if (source === 'testing') {
      const bulk = enriched.splice(1, 3);
      for (const e of enriched) addBinary(source, e);
      const at = bulk[bulk.length - 1]!.timestamp;
      add(source, 'enriched', 'BulkBinaryEvent', { model_version: MODEL_VERSION, events: bulk }, `testing.enriched.bulk.${bulk[0]!.entity.sha256.slice(0, 8)}`, at);
    } else {
      for (const e of enriched) addBinary(source, e);
    }
  }
  // Inserts: the platform adds an extracted child under its parent; the child's streams are posted
  // under the parent's original source, so they duplicate the extracted events' references.
  for (const item of children.slice(0, 3)) {
    const at = tick();
    add(
      'system',
      'insert',
      'InsertEvent',
      {
        model_version: MODEL_VERSION,
        kafka_key: `insert.${item.child.sha256.slice(0, 16)}`,
        timestamp: at,
        author: plugin('unpacker'),
        entity: { original_source: item.source, parent_sha256: item.parent.sha256, child: entity(item.child, item.format) },
      },
      `insert.${item.child.sha256.slice(0, 16)}`,
      at,
    );
  }
  // Deletes reference no streams; one carries a 64-bit id beyond 2^53 (it must survive exactly).
  const deletes: Array<{ reason: string; sha256: string | null; source_name: string | null; tracking_id: bigint }> = [
    { reason: 'duplicate submission', sha256: files.testing![0]!.content.sha256, source_name: 'testing', tracking_id: 42n },
    { reason: 'expired', sha256: null, source_name: 'samples', tracking_id: 9_007_199_254_740_993n },
    { reason: 'operator request', sha256: files.samples![9]!.content.sha256, source_name: null, tracking_id: -7n },
  ];
  deletes.forEach((entityValue, i) => {
    const at = tick();
    add(
      'system',
      'delete',
      'DeleteEvent',
      { model_version: MODEL_VERSION, kafka_key: `delete.${i}`, timestamp: at, author: { name: 'admin', category: 'user', version: '' }, entity: entityValue },
      `delete.${i}`,
      at,
    );
  });

  // The next generation (v7) on the same topic as v6 events: new files sourced after an upgrade.
  // v7 appends `retries` to the event and `file_format` to each datastream, so neither generation
  // decodes the other's binary events exactly.
  for (let i = 0; i < 3; i++) {
    const content = blob(int(512, 48 * 1024), 'application/octet-stream');
    const format = formats[(i + 4) % formats.length]!;
    const value = binaryEvent('testing', 'sourced', entity(content, format), [], 'submitter');
    const v7 = {
      ...value,
      model_version: 7,
      entity: { ...value.entity, datastreams: value.entity.datastreams.map((d) => ({ ...d, file_format: format })) },
      retries: BigInt(i),
    };
    add('testing', 'sourced', 'BinaryEvent', v7, value.kafka_key, value.timestamp, NEXT_GENERATION);
  }
  // The platform's other models (download, plugin and retrohunt reference no streams; status does, below).
  const systemEvent = (model: string, i: number, author: ReturnType<typeof plugin>, entityValue: unknown, extra: Record<string, unknown> = {}) => {
    const at = tick();
    const value = { model_version: MODEL_VERSION, kafka_key: `${model}.${i}`, timestamp: at, author, ...extra, entity: entityValue };
    return { value, at };
  };
  for (let i = 0; i < 2; i++) {
    const { value, at } = systemEvent('download', i, plugin('downloader'), { hash: hex(`download-${i}`), direct_url: `https://files.example/${i}.bin`, category: i === 0 ? 'sample' : 'pcap' }, {});
    const withSource = { model_version: value.model_version, kafka_key: value.kafka_key, timestamp: value.timestamp, author: value.author, source: sourceOf('samples', [], at), action: 'requested', entity: value.entity };
    add('system', 'download', 'DownloadEvent', withSource, value.kafka_key, at);
  }
  const pluginEntity = (name: string) => ({
    name,
    version: `2.${int(0, 9)}.0`,
    category: 'plugin',
    description: `${name} extracts what it can`,
    features: [{ name: 'file_format', type: 'string', desc: 'identified format' }, { name: 'entropy', type: 'float', desc: 'Shannon entropy' }],
  });
  const plugins = ['unpacker', 'strings'].map((name, i) => systemEvent('plugin', i, plugin(name), pluginEntity(name)));
  for (const { value, at } of plugins) add('system', 'plugin', 'PluginEvent', value, value.kafka_key, at);
  {
    const { value, at } = systemEvent('plugin', 2, plugin('registry'), pluginEntity('yara'));
    const second = systemEvent('plugin', 3, plugin('registry'), pluginEntity('capa'));
    add('system', 'plugin', 'BulkPluginEvent', { model_version: MODEL_VERSION, events: [value, second.value] }, 'plugin.bulk', second.at);
    void at;
  }
  for (let i = 0; i < 2; i++) {
    const at = tick();
    add(
      'system',
      'retrohunt',
      'RetrohuntEvent',
      {
        model_version: MODEL_VERSION,
        kafka_key: `retrohunt.${i}`,
        timestamp: at,
        author: { name: 'analyst', category: 'user', version: '' },
        entity: Buffer.from(`rule hunt_${i} { condition: filesize < ${int(100, 900)}KB }`),
        action: i === 0 ? 'submitted' : 'completed',
        source: { submitter: 'analyst', timestamp: at - 1_000_000n },
      },
      `retrohunt.${i}`,
      at,
    );
  }
  // Status events carry their input event and the binary events the run produced (`results`),
  // each with its own source and datastreams: new blobs only a status event references. The second
  // run failed (no results); a BulkStatusEvent wraps two runs, one over a file of `testing`.
  const statusEvent = (i: number, file: { content: Blob; format: string }, source: string, author: string, results: Array<ReturnType<typeof binaryEvent>>, error: string | null) => {
    const input = binaryEvent(source, 'sourced', entity(file.content, file.format), [], 'submitter');
    return systemEvent('status', i, plugin(author), {
      input,
      status: error === null ? 'completed' : 'error-exception',
      runtime: Number((random() * 5).toFixed(3)),
      error,
      results,
    });
  };
  const produced = (source: string, parent: Blob, action: string, ent: ReturnType<typeof entity>, author: string) =>
    binaryEvent(source, action, ent, [{ author: 'submitter', action: 'sourced', sha256: parent.sha256 }], author);
  {
    const file = files.samples![0]!;
    const child = blob(int(256, 16 * 1024), 'application/octet-stream');
    const text = blob(int(128, 4 * 1024), 'text/plain');
    const results = [
      produced('samples', file.content, 'extracted', entity(child, 'text'), 'unpacker'),
      produced('samples', file.content, 'augmented', entity(file.content, file.format, [text], ['text']), 'unpacker'),
    ];
    const { value, at } = statusEvent(0, file, 'samples', 'unpacker', results, null);
    add('system', 'status', 'StatusEvent', value, value.kafka_key, at);
  }
  {
    const { value, at } = statusEvent(1, files.samples![1]!, 'samples', 'strings', [], 'timeout after 300 s');
    add('system', 'status', 'StatusEvent', value, value.kafka_key, at);
  }
  {
    const runs = (['samples', 'testing'] as const).map((source, n) => {
      const file = files[source]![2]!;
      const strings = blob(int(128, 4 * 1024), 'text/plain');
      return statusEvent(2 + n, file, source, 'strings', [produced(source, file.content, 'enriched', entity(file.content, file.format, [strings], ['strings']), 'strings')], null);
    });
    add('system', 'status', 'BulkStatusEvent', { model_version: MODEL_VERSION, events: runs.map((r) => r.value) }, 'status.bulk', runs[1]!.at);
  }

  await rm(join(root, 'events'), { recursive: true, force: true });
  const byPair = new Map<string, Pending[]>();
  for (const item of pending) {
    const id = `${item.source}/${item.event}`;
    byPair.set(id, [...(byPair.get(id) ?? []), item]);
  }
  for (const [id, items] of byPair) {
    const dir = join(root, 'events', ...id.split('/'));
    await mkdir(dir, { recursive: true });
    const records: SampleRecord[] = [];
    for (const [index, item] of items.entries()) {
      const registry = generations.find((g) => g.name === item.generation)?.registry;
      if (registry === undefined) throw new Error(`Expected schema generation ${item.generation}, got ${generations.map((g) => g.name).join(', ')}`);
      const type = registry.type(item.type);
      if (type === undefined) throw new Error(`Expected generation ${item.generation} to define ${item.type}, got ${registry.typeNames.join(', ')}`);
      // Validate before encoding: a wrong field gives a path-qualified message instead of garbage.
      const problems: string[] = [];
      type.isValid(item.value, { errorHook: (path) => problems.push(path.join('.')) });
      if (problems.length > 0) throw new Error(`Sample ${id} #${index} does not fit ${item.type} at ${problems.join(', ')}`);
      const datum = `${String(index).padStart(3, '0')}.avro`;
      await writeFile(join(dir, datum), type.toBuffer(item.value));
      await writeFile(join(dir, jsonTwinName(datum)), datumToJsonTwin(type, item.value));
      records.push({
        datum,
        type: item.type,
        generation: item.generation,
        key: item.key,
        timestamp: String(item.timestampMicros / 1000n),
        headers: item.headers,
      });
    }
    const file: RecordsFile = { records };
    await writeFile(join(dir, RECORDS_FILE), `${JSON.stringify(file, null, 2)}\n`);
  }
  const streams: StreamsFile = { streams: [...blobs.values()].sort((a, b) => a.seed - b.seed) };
  await writeFile(join(root, 'streams.json'), `${JSON.stringify(streams, null, 2)}\n`);
  return { events: pending.length, streams: blobs.size };
}
