// A backlog far larger than a batch (1,000 events, 16 MB) and a fetch (16 MB, 4 MB per partition),
// backed up by the spawned daemon with `backup --once`: everything lands in the bucket, and the
// daemon's resident memory stays under a bound well below the backlog's size, and flat.
import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { readContainer } from '../../../src/events/avro-container.js';
import { newBackupTarget } from '../../helpers/backup-target.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { uniqueName } from '../../helpers/names.js';
import { sharedKafkaBrokers, sharedKafkaKind } from '../../helpers/shared-servers.js';
import { spawnStreamvault } from '../../helpers/streamvault-process.js';
import { testProducer } from '../../helpers/test-producer.js';

const EVENTS = 200_000;
const EVENT_BYTES = 1024;
const PARTITIONS = 4;
const MB = 1024 * 1024;
/** Generous for a Node process with 16 MB fetches and 16 MB batches in flight; the backlog is 200 MB. */
const RSS_BOUND = 300 * MB;
/** How much the second half of the run may peak above the first: a leak of the backlog would be ~100 MB. */
const RSS_GROWTH_BOUND = 64 * MB;

function vmRssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined; // exited between two samples
  }
}

describe.skipIf(sharedKafkaKind() !== 'kafka' || process.platform !== 'linux')(
  'a large backlog (real Kafka on Linux only: the mock keeps ~5 MB per partition, RSS is read from /proc)',
  () => {
    it(`backs up ${EVENTS} x ${EVENT_BYTES} B with backup --once, every offset once, RSS under ${RSS_BOUND / MB} MB and flat`, { timeout: 300_000 }, async () => {
      const kafka = new Kafka({ clientId: uniqueName('backlog'), brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      const producer = testProducer(kafka);
      withCleanup({ stop: async () => void (await Promise.allSettled([producer.disconnect(), admin.disconnect()])) });
      await Promise.all([admin.connect(), producer.connect()]);
      const topic = uniqueName('backlog');
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: PARTITIONS }] });
      const filler = 'x'.repeat(EVENT_BYTES);
      for (let start = 0; start < EVENTS; start += 2_000) {
        await producer.send({
          topic,
          messages: Array.from({ length: 2_000 }, (_, i) => {
            const n = start + i;
            return { partition: n % PARTITIONS, value: `${n}:${filler}`.slice(0, EVENT_BYTES) };
          }),
        });
      }
      const ends = await admin.fetchTopicOffsets(topic);
      expect(ends.reduce((sum, o) => sum + Number(o.high), 0)).toBe(EVENTS);

      const target = await newBackupTarget('backlog', { pairs: { 'samples/sourced': topic }, extra: { STREAMVAULT_LOG_LEVEL: 'warn' } });
      // A JavaScript heap smaller than the backlog: a daemon that held on to what it backed up would run out.
      target.env.NODE_OPTIONS = '--max-old-space-size=128';
      const run = withCleanup(spawnStreamvault(['backup', '--once'], target.env));
      const samples: number[] = [];
      const sampler = setInterval(() => {
        const rss = vmRssBytes(run.child.pid!);
        if (rss !== undefined) samples.push(rss);
      }, 200);
      const code = await run.exited.finally(() => clearInterval(sampler));
      expect(code, run.stderrText()).toBe(0);

      // The data: every offset of every partition is in an events object, exactly the event produced there.
      const seen = new Map(ends.map((o) => [o.partition, new Uint8Array(Number(o.high))]));
      let records = 0;
      for await (const object of target.store.list(`${target.layout.prefix}events/`)) {
        for await (const record of readContainer(await target.store.getStream(object.key))) {
          records++;
          const offsets = seen.get(record.partition)!;
          offsets[Number(record.offset)] = 1;
          const n = Number(record.value!.subarray(0, 12).toString().split(':')[0]);
          expect(n % PARTITIONS).toBe(record.partition);
        }
      }
      for (const [partition, offsets] of seen) expect(offsets.indexOf(0), `first missing offset of partition ${partition}`).toBe(-1);
      expect(records).toBe(EVENTS); // --once on an idle topic replays nothing

      // The memory: sampled every 200 ms over the whole run.
      expect(samples.length).toBeGreaterThan(10);
      const peak = Math.max(...samples);
      const half = Math.floor(samples.length / 2);
      const firstPeak = Math.max(...samples.slice(0, half));
      const secondPeak = Math.max(...samples.slice(half));
      const summary = `RSS peak ${Math.round(peak / MB)} MB (first half ${Math.round(firstPeak / MB)} MB, second half ${Math.round(secondPeak / MB)} MB, ${samples.length} samples)`;
      console.log(`large backlog: ${summary}`);
      expect(peak, summary).toBeLessThan(RSS_BOUND);
      expect(secondPeak - firstPeak, summary).toBeLessThan(RSS_GROWTH_BOUND);
    });
  },
);
