// The state directory on a tiny real file system (tmpfs) fills up while the daemon journals stream
// references: no batch whose streams are not durable may be committed. Checked against the
// broker's committed offsets and what the journals and the bucket really hold, after a SIGKILL.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { openStreamFileCache } from '../../../src/filecache/stream-file-cache.js';
import { newBackupTarget } from '../../helpers/backup-target.js';
import { withCleanup } from '../../helpers/cleanup.js';
import { uniqueName } from '../../helpers/names.js';
import { sharedKafkaBrokers } from '../../helpers/shared-servers.js';
import { startStreamServer } from '../../helpers/stream-server.js';
import { spawnStreamvault } from '../../helpers/streamvault-process.js';
import { refEvent, refEventSettings } from '../../helpers/ref-event.js';
import { until } from '../../helpers/until.js';
import { testProducer } from '../../helpers/test-producer.js';


/** A 32 KiB tmpfs, or why there is none (mounting needs root and a kernel that lets us). */
function mountTinyFs(): { dir: string } | { skip: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tiny-state-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=32k', 'tmpfs', dir], { stdio: 'pipe' });
    return { dir };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: `cannot mount a tmpfs here: ${(error as Error).message.split('\n')[0]}` };
  }
}

const tiny = mountTinyFs();
afterAll(() => {
  if ('dir' in tiny) {
    execFileSync('umount', ['-l', tiny.dir], { stdio: 'pipe' });
    rmSync(tiny.dir, { recursive: true, force: true });
  }
});
if ('skip' in tiny) console.warn(`state-dir-full.test.ts skipped: ${tiny.skip}`);

describe.skipIf('skip' in tiny)('backup daemon with a state directory that fills up', () => {
  it('never commits past a batch whose streams are not durable; /readyz says the state directory is full', { timeout: 180_000 }, async () => {
    const stateDir = (tiny as { dir: string }).dir;
    const server = withCleanup(await startStreamServer());
    server.setLatency(5_000); // copies are slow: pending entries pile up in the journal
    const topic = uniqueName('full');
    const target = await newBackupTarget('state-full', {
      pairs: { 'samples/sourced': topic },
      extra: {
        STREAMVAULT_STATE_DIR: stateDir,
        ...refEventSettings(),
        STREAMVAULT_STREAM_SOURCE_URL: server.baseUrl,
        STREAMVAULT_STREAM_CONCURRENCY: '1',
        STREAMVAULT_BATCH_MAX_EVENTS: '10',
      },
    });
    const shas = Array.from({ length: 400 }, (_, i) => server.put('samples', 'content', Buffer.from(`blob ${i} of ${topic}`)));
    const kafka = new Kafka({ brokers: sharedKafkaBrokers(), logLevel: logLevel.NOTHING });
    const producer = testProducer(kafka);
    await producer.connect();
    // One key: one partition, offsets 0..399 in this order.
    await producer.send({
      topic,
      messages: shas.map((sha256) => ({ key: 'k', value: refEvent('samples', [{ label: 'content', sha256 }]) })),
    });
    await producer.disconnect();

    const daemon = withCleanup(spawnStreamvault(['backup'], target.env));
    const { port } = await daemon.waitForLog((l) => l.msg.startsWith('metrics and health listening'), 60_000);
    const reasons = await until(
      'readyz to report the full state directory',
      async () => {
        const body = (await (await fetch(`http://127.0.0.1:${String(port)}/readyz`)).json()) as { reasons: string[] };
        return body.reasons.some((r) => r.startsWith('state-dir:')) ? body.reasons : undefined;
      },
      120_000,
    );
    expect(reasons.find((r) => r.startsWith('state-dir:'))).toContain('ENOSPC');
    daemon.child.kill('SIGKILL');
    await daemon.exited;

    const admin = kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchOffsets({ groupId: target.group, topics: [topic] });
    await admin.disconnect();
    const committed = Math.max(0, ...offsets!.partitions.map((p) => Number(p.offset)));
    expect(committed).toBeLessThan(shas.length); // the full disk held commits back

    const opened = await openStreamFileCache(stateDir, { readonly: true });
    if (opened.kind !== 'open') throw new Error(`expected readable journals, got ${opened.kind}`);
    const stored = new Set<string>();
    for await (const o of target.store.list(target.layout.streamsPrefix())) stored.add(o.key.slice(o.key.lastIndexOf('/') + 1));
    const notDurable = shas
      .slice(0, committed)
      .filter((sha) => !opened.cache.pending.has(sha) && !opened.cache.failed.has(sha) && !stored.has(sha));
    expect(notDurable, `streams of committed events in no journal and not stored (journal problems: ${opened.cache.problems.join('; ')})`).toEqual([]);
  });
});
