// Scenario 2: S3 faults. The daemon reaches S3 only through an HTTP fault proxy; a producer writes
// events referencing streams (testdata schema) through every phase: a share of 500/503 answers,
// connections reset mid-answer, slow answers, a full outage (connections closed), and an endpoint
// that accepts and never answers. /readyz must fail during the outage and the blackhole and
// come back by itself afterwards. The daemon runs under a supervisor (restarted when it exits,
// each exit a crash): an unreachable destination must be waited out, not crashed on.
// - lost: a record on the topic in no events object with its manifest at the end, or a
//   referenced blob not stored under its sha256 with matching bytes.
// - duplicated: an offset found in two events objects with different content.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { newBackupTarget } from '../helpers/backup-target.js';
import { withCleanup } from '../helpers/cleanup.js';
import { startFaultProxy, upstreamOf, type FaultMode } from '../helpers/fault-proxy.js';
import { uniqueName } from '../helpers/names.js';
import { s3ClientFor } from '../helpers/s3-server.js';
import { sharedKafkaBrokers, sharedS3Endpoint } from '../helpers/shared-servers.js';
import { startStreamServer } from '../helpers/stream-server.js';
import { until } from '../helpers/until.js';
import { conflictingDuplicates, readBackupIndependently } from './kit/independent-backup-reader.js';
import { printReliabilityLine } from './kit/reliability-line.js';
import { openStreamEventFeed } from './kit/stream-event-feed.js';
import { TESTDATA_SCHEMA } from './kit/stream-events.js';
import { SupervisedDaemon } from './kit/supervised-daemon.js';
import { readTopicsOf, recordId } from './kit/topic-reader.js';

const PER_PHASE = 150;

describe('reliability: S3 faults', () => {
  it('loses nothing through errors, resets, slow answers, an outage and a blackhole; /readyz fails during and recovers after', async () => {
    const proxy = withCleanup(await startFaultProxy({ upstream: upstreamOf(sharedS3Endpoint()), protocol: 'http' }));
    const streams = withCleanup(await startStreamServer());
    const topic = uniqueName('rel-s3');
    const target = await newBackupTarget('rel-s3', {
      pairs: { 'samples/sourced': topic },
      extra: {
        STREAMVAULT_S3_ENDPOINT: proxy.url,
        STREAMVAULT_EVENT_SCHEMA: TESTDATA_SCHEMA,
        STREAMVAULT_STREAM_SOURCE_URL: streams.baseUrl,
        STREAMVAULT_BATCH_MAX_EVENTS: '100',
        STREAMVAULT_READINESS_PROBE_SECONDS: '1',
        STREAMVAULT_KAFKA_SESSION_TIMEOUT_MS: '6000',
        STREAMVAULT_STREAM_RETRY_MIN_DELAY_SECONDS: '0.2',
      },
    });
    const feed = await openStreamEventFeed({ topic, streams, firstSeed: 2_000_000 });
    const generator = feed.generator;

    const daemon = withCleanup(new SupervisedDaemon(target.env).start());
    const readiness: Record<string, { during: number[]; recovered: boolean; reasons?: string }> = {};
    const phase = async (name: string, mode: FaultMode, ms: number, expectNotReady: boolean) => {
      proxy.setMode(mode);
      await feed.send(PER_PHASE);
      const during: number[] = [];
      const started = Date.now();
      if (expectNotReady) {
        // Not ready must show while the fault lasts (probes run every second).
        await until(`/readyz to fail during ${name}`, async () => {
          const status = await daemon.readyz();
          during.push(status);
          return status !== 200 ? status : undefined;
        }, 30_000, 500).catch(() => undefined);
      }
      const rest = ms - (Date.now() - started);
      if (rest > 0) await sleep(rest);
      proxy.setMode({ kind: 'pass' });
      const recovered = await until(`/readyz to recover after ${name}`, async () => ((await daemon.readyz()) === 200 ? true : undefined), 45_000, 500).catch(() => false);
      readiness[name] = recovered ? { during, recovered } : { during, recovered, reasons: daemon.lastReadyzBody.slice(0, 2000) };
    };

    await phase('warm-up', { kind: 'pass' }, 3_000, false);
    await phase('error share', { kind: 'http-errors', share: 0.3, statuses: [500, 503] }, 8_000, false);
    await phase('resets', { kind: 'reset', afterBytes: 100 }, 6_000, false);
    await phase('slow answers', { kind: 'delay', ms: 1_500 }, 8_000, false);
    await phase('outage', { kind: 'refuse' }, 20_000, true);
    await phase('blackhole', { kind: 'blackhole' }, 20_000, true);

    const topicRecords = await readTopicsOf(sharedKafkaBrokers(), [topic]);
    const referenced = new Set(topicRecords.flatMap((r) => generator.referencedShas(r.value)));
    const client = s3ClientFor(sharedS3Endpoint());
    const complete = (f: Awaited<ReturnType<typeof readBackupIndependently>>) =>
      topicRecords.every((r) => f.indexed.has(recordId(r))) && [...referenced].every((sha) => f.streams.get(sha) === sha);
    await until('every record and stream backed up after the faults', async () => (complete(await readBackupIndependently(client, target.bucket)) ? true : undefined), 120_000, 2_000).catch(() => undefined);
    await daemon.stop();
    const found = await readBackupIndependently(client, target.bucket);

    const lostRecords = topicRecords.filter((r) => !found.indexed.has(recordId(r))).length;
    const stored = [...referenced].filter((sha) => found.streams.get(sha) === sha).length;
    const duplicated = conflictingDuplicates(found).length;
    process.stdout.write(`s3-faults readiness ${JSON.stringify(readiness)} exit codes ${JSON.stringify(daemon.exitCodes)} proxy ${JSON.stringify(proxy.stats)}\n`);
    printReliabilityLine('s3-faults', {
      runs: daemon.runs,
      produced: topicRecords.length,
      backed_up: topicRecords.length - lostRecords,
      streams_referenced: referenced.size,
      streams_stored: stored,
      lost: lostRecords + (referenced.size - stored),
      duplicated,
      crashes: daemon.crashes,
    });
    expect(lostRecords).toBe(0);
    expect(referenced.size - stored).toBe(0);
    expect(duplicated).toBe(0);
    expect(daemon.crashes).toBe(0);
    for (const name of ['outage', 'blackhole']) expect(readiness[name]!.during.some((s) => s !== 200), `/readyz not ready during ${name}`).toBe(true);
    for (const [name, r] of Object.entries(readiness)) expect(r.recovered, `/readyz ready again after ${name}; last answer: ${r.reasons}`).toBe(true);
  }, 900_000);
});
