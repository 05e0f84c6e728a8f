import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { restoreTuning } from '../../../src/app/restore-target.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { reportSha256 } from '../../../src/drill/drill-report.js';
import { runDrill, type DrillOptions } from '../../../src/drill/run-drill.js';
import { ExitCode } from '../../../src/exit-codes.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { capturedLogger } from '../../helpers/captured-logger.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// A drill of a backup that plans nothing to restore: it needs no target topics, so the target
// cluster is an admin client that lists none. The drill over real data runs against a real broker
// (test/integration/drill).
const layout = new KeyLayout('');

function targetCluster(options: { controllerIsBroker: boolean }) {
  const calls: string[] = [];
  const kafka = {
    admin: () => ({
      connect: async () => {},
      disconnect: async () => {},
      listTopics: async () => ['unrelated'],
      fetchTopicOffsets: async () => [],
      describeCluster: async () => ({ brokers: [{ nodeId: 1, host: 'h', port: 1 }], controller: options.controllerIsBroker ? 1 : 99, clusterId: 'c' }),
      deleteTopics: async ({ topics }: { topics: string[] }) => void calls.push(`delete ${topics.join(',')}`),
    }),
  };
  return { kafka: kafka as unknown as Kafka, calls };
}

function setup(extra: Partial<DrillOptions> = {}, controllerIsBroker = true) {
  const loaded = loadConfig({ STREAMVAULT_S3_BUCKET: 'backup' });
  if (!loaded.ok) throw new Error('expected a valid configuration');
  const workDir = join(makeTempDir('drill-'), 'work');
  mkdirSync(workDir);
  const options: DrillOptions = {
    drillId: 'drill-1',
    sources: [],
    events: [],
    sampleBatches: undefined,
    topicPrefix: 'drill-1.',
    workDir,
    keep: false,
    maxDifferences: 10,
    readTimeoutMs: 1_000,
    backupLocation: 's3://backup/',
    brokers: ['target:9092'],
    toolVersion: '0.0.0-test',
    restore: restoreTuning(loaded.config),
    ...extra,
  };
  const target = targetCluster({ controllerIsBroker });
  const store = new MemoryObjectStore();
  let clock = Date.UTC(2026, 0, 2);
  const { lines, logger } = capturedLogger('info');
  const deps = {
    store,
    layout,
    logger,
    targetKafka: () => target.kafka,
    reachTarget: async () => {
      throw new Error('expected no broker probe when nothing is planned');
    },
    now: () => new Date((clock += 1_000)),
  };
  return { options, deps, store, target, lines, workDir };
}

describe('runDrill', () => {
  it('fails a drill over an unreadable manifest with exit 4, naming it, in a report whose checksum holds', async () => {
    const { options, deps, store, workDir } = setup();
    const key = `${layout.manifestsPrefix()}samples/sourced/p000000/00000000000000000000.json`;
    await store.put(key, Buffer.from('{not json'));
    const { exitCode, report } = await runDrill(options, deps);
    expect(exitCode).toBe(ExitCode.partial);
    expect(report).toMatchObject({
      format: 'streamvault-drill-report',
      report_version: 1,
      drill_id: 'drill-1',
      result: 'failed',
      exit_code: ExitCode.partial,
      target: { topic_prefix: 'drill-1.', topics: [], brokers: ['target:9092'] },
      records: { expected: 0, restored: 0 },
      differences: { total: 1, by_kind: { 'manifest-unreadable': 1 }, shown: [{ kind: 'manifest-unreadable', key, reason: expect.stringContaining('expected JSON') }] },
      cleanup: { topics_deleted: false, work_dir_removed: true, note: '' },
    });
    expect(report.report_sha256).toBe(reportSha256(report));
    expect(existsSync(workDir)).toBe(false);
  });

  it('passes a drill with nothing to compare, and with --keep leaves its work directory', async () => {
    const { options, deps, workDir, lines } = setup({ keep: true });
    const { exitCode, report } = await runDrill(options, deps);
    expect(exitCode).toBe(ExitCode.ok);
    expect(report).toMatchObject({ result: 'passed', differences: { total: 0 }, cleanup: { topics_deleted: false, work_dir_removed: false, note: '--keep given' } });
    // The clock ticks a second per reading: start, restore start and end, compare end, finish.
    expect(report).toMatchObject({ started_at: '2026-01-02T00:00:01.000Z', finished_at: '2026-01-02T00:00:05.000Z', seconds: { restore: 1, compare: 1, total: 4 } });
    expect(existsSync(workDir)).toBe(true);
    expect(lines.at(-1)).toMatchObject({ msg: 'drill finished', drill: 'drill-1', result: 'passed', differences: 0, exitCode: 0 });
  });

  it('says so when the target cluster cannot delete topics (no controller among its brokers)', async () => {
    const { options, deps, target, lines } = setup({}, false);
    const { report } = await runDrill(options, deps);
    expect(report.cleanup).toEqual({ topics_deleted: false, work_dir_removed: true, note: 'the target cluster takes no controller requests (deleteTopics): scratch topics left in place' });
    expect(target.calls).toEqual([]);
    expect(lines.some((l) => l.level === 'warn' && l.msg === (report.cleanup as { note: string }).note)).toBe(true);
  });
});
