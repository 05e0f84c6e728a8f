import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { newBackupTarget } from '../../helpers/backup-target.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { uniqueName } from '../../helpers/names.js';
import { readBackup } from '../../helpers/read-backup.js';
import { sharedKafkaBrokers } from '../../helpers/shared-servers.js';
import { spawnStreamvault } from '../../helpers/streamvault-process.js';
import { testProducer } from '../../helpers/test-producer.js';

const run = promisify(execFile);
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const N = 50;
/** Header keys that a plain JS object already "has", and one ordinary key. */
const HEADERS: Array<[string, string]> = [
  ['constructor', 'c'],
  ['__proto__', 'p'],
  ['toString', 't'],
  ['hasOwnProperty', 'h'],
  ['plain', 'x'],
];

/** Produces N records with librdkafka (kcat) compressed with `codec`, all with HEADERS. */
async function produceWithKcat(topic: string, codec: (typeof CODECS)[number]): Promise<void> {
  const lines = Array.from({ length: N }, (_, i) => `key-${i}\t${codec}-value-${i}-${'z'.repeat(i * 7)}`).join('\n');
  const args = ['-P', '-b', sharedKafkaBrokers().join(','), '-t', topic, '-p', '0', '-K', '\t', '-z', codec, '-X', 'linger.ms=200'];
  for (const [k, v] of HEADERS) args.push('-H', `${k}=${v}`);
  const child = run('kcat', args, { timeout: 60_000 });
  child.child.stdin!.end(`${lines}\n`);
  await child;
}

describe('topics as other clients write them (built CLI, real broker, real S3)', () => {
  it('backs up records compressed with every codec and headers named like Object.prototype members, byte for byte', async () => {
    const topics = Object.fromEntries(CODECS.map((codec) => [codec, uniqueName(`codec-${codec}`)]));
    for (const codec of CODECS) await produceWithKcat(topics[codec]!, codec);

    // kafkajs sends these header keys too; `__proto__` needs an own property (JSON.parse makes one).
    const kafkajsTopic = uniqueName('poison-headers');
    const kafka = new Kafka({ brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING });
    const producer = testProducer(kafka);
    withCleanup({ stop: () => producer.disconnect() });
    await producer.connect();
    const poison = JSON.parse('{"__proto__":"p","constructor":["c1","c2"],"toString":"t"}') as Record<string, string | string[]>;
    await producer.send({ topic: kafkajsTopic, messages: [{ partition: 0, key: 'k', value: 'v', headers: poison }] });

    const pairs: Record<string, string> = Object.fromEntries(CODECS.map((codec) => [`codecs/${codec}`, topics[codec]!]));
    pairs['codecs/poison'] = kafkajsTopic;
    const { env, store, layout } = await newBackupTarget('codecs', { pairs, extra: { STREAMVAULT_BATCH_MAX_EVENTS: '20' } });
    const backup = withCleanup(spawnStreamvault(['backup', '--once'], env));
    expect(await backup.exited, backup.stderrText()).toBe(0);

    const contents = await readBackup(store, layout);
    for (const codec of CODECS) {
      const records = [...contents.records.values()].filter((r) => r.topic === topics[codec]).sort((a, b) => Number(a.offset) - Number(b.offset));
      expect(records.map((r) => r.key?.toString())).toEqual(Array.from({ length: N }, (_, i) => `key-${i}`));
      expect(records.map((r) => r.value?.toString())).toEqual(Array.from({ length: N }, (_, i) => `${codec}-value-${i}-${'z'.repeat(i * 7)}`));
      for (const r of records) expect(r.headers).toEqual(HEADERS.map(([key, value]) => ({ key, value: Buffer.from(value) })));
    }
    const [poisoned] = [...contents.records.values()].filter((r) => r.topic === kafkajsTopic);
    expect(poisoned?.headers).toEqual([
      { key: '__proto__', value: Buffer.from('p') },
      { key: 'constructor', value: Buffer.from('c1') },
      { key: 'constructor', value: Buffer.from('c2') },
      { key: 'toString', value: Buffer.from('t') },
    ]);
  }, 120_000);
});
