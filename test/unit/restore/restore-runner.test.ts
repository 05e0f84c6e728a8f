import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { capturedLogger } from '../../helpers/captured-logger.js';
import { restoreOptions } from '../../helpers/restore-options.js';
import { exitCodeFor } from '../../../src/errors/exit-code-of.js';
import { ExitCode } from '../../../src/exit-codes.js';
import { ResourceStack } from '../../../src/lifecycle/resource-stack.js';
import { createLogger } from '../../../src/observability/logger.js';
import type { BrokerReach } from '../../../src/kafka/reach-brokers.js';
import { targetId } from '../../../src/restore/restore-journal.js';
import { runRestore, type RestoreDeps, type RestoreOptions, type RestoreProgress } from '../../../src/restore/restore-runner.js';
import { KeyLayout } from '../../../src/storage/key-layout.js';
import { writeFixtureBackup } from '../../helpers/backup-fixture.js';
import { MemoryObjectStore } from '../../helpers/memory-object-store.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const layout = new KeyLayout('');
const logger = createLogger('silent');

const options = (stateDir: string): RestoreOptions => restoreOptions(stateDir);

const silentProgress: RestoreProgress = {
  start: () => {},
  setPhase: () => {},
  advance: () => {},
  error: () => {},
  finish: () => ({ message_type: 'summary', total_files: 0, files_done: 0, total_bytes: 0, bytes_done: 0, error_count: 0, seconds_elapsed: 0 }),
};

/** The spool folders under the state dir (`restore/<target>/spool`): there while a run has its spool open. */
function spoolDirs(stateDir: string): string[] {
  const restoreDir = join(stateDir, 'restore');
  if (!existsSync(restoreDir)) return [];
  return readdirSync(restoreDir)
    .map((target) => join(restoreDir, target, 'spool'))
    .filter((dir) => existsSync(dir));
}

/**
 * A target cluster that answers every admin call but has no partitions for any topic, so the
 * events phase stops with an error after the producer connected. Records what the clients did,
 * and whether the spool was still open when the producer was disconnected.
 */
function partitionlessTarget(stateDir: string, { adminDisconnectFails = false } = {}) {
  const calls: string[] = [];
  const kafka = {
    admin: () => ({
      connect: async () => void calls.push('admin connect'),
      disconnect: async () => {
        calls.push('admin disconnect');
        if (adminDisconnectFails) throw new Error('connection reset while disconnecting');
      },
      describeCluster: async () => ({ brokers: [{ nodeId: 1, host: 'target', port: 9092 }], controller: 1, clusterId: 'target' }),
      listTopics: async () => [],
      fetchTopicOffsets: async () => [],
    }),
    producer: () => ({
      connect: async () => void calls.push('producer connect'),
      disconnect: async () => void calls.push(`producer disconnect, spool open: ${spoolDirs(stateDir).length > 0}`),
      send: async () => {
        throw new Error('expected no send: the target has no partitions');
      },
    }),
    consumer: () => {
      throw new Error('expected no target scan: the target holds nothing');
    },
  } as unknown as Kafka;
  return { kafka, calls };
}

function deps(store: MemoryObjectStore, resources: ResourceStack, target: { kafka: Kafka; reach: BrokerReach }): RestoreDeps {
  return {
    store,
    layout,
    logger,
    targetKafka: () => target.kafka,
    reachTarget: async () => target.reach,
    streamTarget: undefined,
    progress: silentProgress,
    stdout: new PassThrough(),
    json: false,
    env: {},
    hookOutput: new PassThrough(),
    resources,
  };
}

describe('runRestore registers what it opens on the run\'s ResourceStack (issue 11)', () => {
  it('after a failure mid-run, the stack closes the producer, the spool and the journal, last opened first', async () => {
    const store = new MemoryObjectStore();
    await writeFixtureBackup(store, layout);
    const stateDir = makeTempDir('restore-runner-');
    const target = partitionlessTarget(stateDir);
    const resources = new ResourceStack(logger);

    const outcome = await runRestore(options(stateDir), deps(store, resources, { kafka: target.kafka, reach: { kind: 'reached' } }));

    expect(outcome).toMatchObject({ kind: 'aborted', exitCode: ExitCode.failure });
    if (outcome.kind !== 'aborted') return;
    expect(outcome.reason).toMatch(/^expected target topic \S+ to have partitions, got none$/);
    // The runner left closing to the stack: the producer is still connected and the spool still there.
    expect(target.calls).toEqual(['admin connect', 'admin disconnect', 'admin connect', 'admin disconnect', 'producer connect']);
    expect(spoolDirs(stateDir)).toHaveLength(1);

    const report = await resources.closeAll();
    expect(report.closed).toEqual(['the target producer', 'the restore spool', 'the restore journal']);
    expect(report.failures).toEqual([]);
    expect(target.calls.at(-1)).toBe('producer disconnect, spool open: true');
    expect(spoolDirs(stateDir)).toEqual([]);
  });

  it('an admin client that fails to disconnect does not replace what the run found', async () => {
    const store = new MemoryObjectStore();
    await writeFixtureBackup(store, layout);
    const stateDir = makeTempDir('restore-runner-');
    const target = partitionlessTarget(stateDir, { adminDisconnectFails: true });
    const resources = new ResourceStack(logger);

    const outcome = await runRestore(options(stateDir), deps(store, resources, { kafka: target.kafka, reach: { kind: 'reached' } }));
    await resources.closeAll();

    expect(outcome).toMatchObject({ kind: 'aborted', exitCode: ExitCode.failure });
    if (outcome.kind !== 'aborted') return;
    expect(outcome.reason).toMatch(/^expected target topic \S+ to have partitions, got none$/);
    expect(target.calls.filter((c) => c === 'admin disconnect')).toHaveLength(2);
  });

  it('after a refusal (target unreachable), the stack closes only the spool and the journal: no client was made', async () => {
    const store = new MemoryObjectStore();
    await writeFixtureBackup(store, layout);
    const stateDir = makeTempDir('restore-runner-');
    const target = partitionlessTarget(stateDir);
    const resources = new ResourceStack(logger);

    const outcome = await runRestore(options(stateDir), deps(store, resources, { kafka: target.kafka, reach: { kind: 'unreachable', message: 'no broker of target:9092 answered' } }));

    expect(outcome).toEqual({ kind: 'aborted', reason: 'no broker of target:9092 answered; nothing written', exitCode: exitCodeFor('KAFKA_UNREACHABLE') });
    const report = await resources.closeAll();
    expect(report.closed).toEqual(['the restore spool', 'the restore journal']);
    expect(target.calls).toEqual([]);
    expect(spoolDirs(stateDir)).toEqual([]);
  });
});

describe('runRestore logs each restore-journal line it skipped', () => {
  it('a hand-edited posted-stream line with an unsafe source is one warning naming the journal, the file and the line', async () => {
    const store = new MemoryObjectStore();
    await writeFixtureBackup(store, layout);
    const stateDir = makeTempDir('restore-runner-');
    const opts = options(stateDir);
    const journalDir = join(stateDir, 'restore', targetId(opts.identity));
    mkdirSync(journalDir, { recursive: true });
    const put = (value: object) => `${JSON.stringify({ op: 'put', value })}\n`;
    // Line 1 is valid and must not be reported; line 2 is what someone edited by hand.
    writeFileSync(
      join(journalDir, 'streams.jsonl'),
      put({ source: 'samples', label: 'content', sha256: 'a'.repeat(64) }) + put({ source: '../x', label: 'content', sha256: 'b'.repeat(64) }),
    );
    const { lines, logger: captured } = capturedLogger('warn');
    const target = partitionlessTarget(stateDir);
    const resources = new ResourceStack(logger);

    // An unreachable target stops the run right after the journal was opened, which is all this needs.
    const outcome = await runRestore(opts, { ...deps(store, resources, { kafka: target.kafka, reach: { kind: 'unreachable', message: 'no broker answered' } }), logger: captured });
    await resources.closeAll();
    expect(outcome).toMatchObject({ kind: 'aborted', reason: 'no broker answered; nothing written' });

    const skipped = lines.filter((line) => typeof line.msg === 'string' && line.msg.startsWith('restore journal line skipped'));
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({
      level: 'warn',
      journal: journalDir,
      problem: 'streams.jsonl line 2: source: source "../x" contains a path separator, expected a single segment (code STREAM_REF_INVALID); skipped',
      msg: 'restore journal line skipped; what it recorded is checked again against the target',
    });
  });
});
