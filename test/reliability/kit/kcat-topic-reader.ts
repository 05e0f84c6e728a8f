import { execFile } from 'node:child_process';
import type { TopicRecord } from './topic-reader.js';

/**
 * Every record of a topic of text records without headers, read with kcat (librdkafka decodes
 * every compression codec; the suite's kafkajs reader only knows gzip without codec packages).
 * Keys and values must not contain tabs or newlines.
 */
export function readTextTopicWithKcat(brokers: readonly string[], topic: string): Promise<TopicRecord[]> {
  return new Promise((resolve, reject) => {
    execFile(
      'kcat',
      ['-C', '-b', brokers.join(','), '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p\t%o\t%T\t%k\t%s\n'],
      { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (error, stdout) => {
        if (error) return reject(new Error(`kcat could not read ${topic}: ${String(error)}`));
        const records = stdout
          .split('\n')
          .filter((line) => line !== '')
          .map((line): TopicRecord => {
            const [partition, offset, timestamp, key, value] = line.split('\t');
            return { topic, partition: Number(partition), offset: offset!, timestamp: timestamp!, key: Buffer.from(key!), value: Buffer.from(value!), headers: {} };
          });
        resolve(records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset))));
      },
    );
  });
}
