import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners, type IHeaders } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { loadSamples } from '../../../scripts/testdata/load-samples.js';
import { jsonTwinName, jsonToBytes, listSamplePairs } from '../../../scripts/testdata/sample-files.js';
import { spawnTied } from '../../helpers/child-process.js';
import { uniqueName } from '../../helpers/names.js';
import { sharedKafkaBrokers } from '../../helpers/shared-servers.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const ROOT = join(import.meta.dirname, '../../..');

describe('run-get-samples (dist/scripts/samples.js capture)', () => {
  it('captures the most recent events of a live topic as Avro datums with JSON twins and Kafka metadata', async () => {
    const brokers = sharedKafkaBrokers();
    const topic = uniqueName('samples-capture');
    const samples = await loadSamples(join(ROOT, 'testdata'));
    const pair = samples.pairs.find((p) => p.source === 'samples' && p.event === 'enriched')!;
    const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await producer.send({
        topic,
        messages: pair.messages.map((m) => {
          const headers: IHeaders = {};
          for (const h of m.headers) headers[h.key] = h.value ?? Buffer.alloc(0);
          return { key: m.key, value: m.value, timestamp: m.timestamp, headers };
        }),
      });
    } finally {
      await producer.disconnect();
    }

    const out = makeTempDir('captured-');
    const count = 4;
    const child = spawnTied(process.execPath, [join(ROOT, 'dist/scripts/samples.js'), 'capture', 'samples/enriched', '--count', String(count), '--root', out], {
      env: {
        PATH: process.env.PATH ?? '',
        STREAMVAULT_KAFKA_BROKERS: brokers.join(','),
        STREAMVAULT_TOPICS: `samples/enriched=${topic}`,
        STREAMVAULT_EVENT_SCHEMA: join(ROOT, 'testdata/schema'),
        STREAMVAULT_LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdout!.resume();
    expect(await new Promise((resolve) => child.once('exit', resolve)), stderr).toBe(0);

    const [captured] = await listSamplePairs(out);
    expect(captured).toMatchObject({ source: 'samples', event: 'enriched' });
    // The most recent by timestamp: the testdata's last `count` records of this pair.
    const expected = pair.messages.slice(-count);
    expect(captured!.records).toHaveLength(count);
    const committed = (await listSamplePairs(join(ROOT, 'testdata'))).find((p) => p.source === 'samples' && p.event === 'enriched')!;
    for (const [i, record] of captured!.records.entries()) {
      const original = expected[i]!;
      expect((await readFile(join(captured!.dir, record.datum))).equals(original.value)).toBe(true);
      expect(jsonToBytes(record.key)).toEqual(original.key);
      expect(record.timestamp).toBe(original.timestamp);
      expect(record.headers.map((h) => [h.key, jsonToBytes(h.value)])).toEqual(original.headers.map((h) => [h.key, h.value]));
      expect(record.origin?.topic).toBe(topic);
      const originalRecord = committed.records[pair.messages.indexOf(original)]!;
      expect(record.type).toBe(originalRecord.type);
      expect(await readFile(join(captured!.dir, jsonTwinName(record.datum)), 'utf8')).toBe(
        await readFile(join(committed.dir, jsonTwinName(originalRecord.datum)), 'utf8'),
      );
    }
  });
});
