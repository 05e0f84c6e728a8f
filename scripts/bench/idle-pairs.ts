import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { spawnTied } from '../local/child-process.js';

/** What an idle daemon costs with `pairs` pairs (issue 17's figures). */
export interface IdlePairsFigure {
  readonly pairs: number;
  /** CPU time over wall time while idle: 1 is one core. */
  readonly idle_cpu_share: number;
  readonly rss_mb: number;
  /** Open sockets of the process (TCP to the brokers and S3, the metrics listener). */
  readonly sockets: number;
  readonly sigterm_to_exit_s: number;
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ: 100 on Linux). */
const USER_HZ = 100;

function cpuSeconds(pid: number): number {
  // Fields after the command name (which may hold spaces, so split after its closing parenthesis).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

function socketCount(pid: number): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n += 1;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

/** Creates `count` empty one-partition topics `${prefix}.<i>`; returns their names. */
export async function createIdleTopics(brokers: string[], prefix: string, count: number): Promise<string[]> {
  const topics = Array.from({ length: count }, (_, i) => `${prefix}.${i}`);
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING, clientId: 'bench-pairs' }).admin();
  await admin.connect();
  try {
    // Without waitForLeaders: kafkajs's wait asks for the metadata of all of them at once and fails
    // on a broker still electing hundreds of leaders. Wait here instead, asking again.
    for (let i = 0; i < topics.length; i += 100) {
      await admin.createTopics({ topics: topics.slice(i, i + 100).map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: false });
    }
    const deadline = Date.now() + 120_000;
    for (;;) {
      const led = await admin
        .fetchTopicMetadata({ topics })
        .then((m) => m.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)))
        .catch(() => false);
      if (led) break;
      if (Date.now() > deadline) throw new Error(`the ${count} bench topics ${prefix}.* have no leaders after 120 s`);
      await sleep(500);
    }
  } finally {
    await admin.disconnect();
  }
  return topics;
}

/**
 * Runs the built daemon (`backup`) over `topics` as as many pairs (source `p<i>`, event `sourced`),
 * waits until it consumes every partition, samples it idle for `sampleSeconds`, then times
 * SIGTERM to exit. `env` holds the rest of its configuration (brokers, S3, state dir); `nodeFlags`
 * are node's flags before the script (the image's).
 */
export async function measureIdlePairs(
  cliPath: string,
  topics: readonly string[],
  env: Record<string, string>,
  sampleSeconds: number,
  nodeFlags: readonly string[] = [],
): Promise<IdlePairsFigure> {
  const pairs = topics.map((topic, i) => ({ id: `p${i}/sourced`, topic }));
  const child = spawnTied(process.execPath, [...nodeFlags, cliPath, 'backup'], {
    env: {
      PATH: process.env.PATH ?? '',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
      STREAMVAULT_SOURCES: '',
      STREAMVAULT_EVENT_TYPES: '',
      STREAMVAULT_EXTRA_PAIRS: pairs.map((p) => p.id).join(','),
      STREAMVAULT_TOPICS: pairs.map((p) => `${p.id}=${p.topic}`).join(','),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const pid = child.pid!;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let tail = '';
  const ready = new Promise<void>((resolve, reject) => {
    const rl = createInterface({ input: child.stderr! });
    rl.on('line', (line) => {
      tail = (tail + line + '\n').slice(-4000);
      if (!line.startsWith('{')) return;
      const parsed = JSON.parse(line) as { msg?: string; partitions?: number };
      // Once per join, after every pair's partitions are resumed (backup-consumer.ts).
      if (parsed.msg === 'start offsets settled; consuming every assigned partition' && parsed.partitions === pairs.length) resolve();
    });
    void exited.then((code) => reject(new Error(`the daemon with ${pairs.length} pairs exited with ${code} before it consumed every pair\n${tail}`)));
  });
  const timeout = new AbortController();
  const late = sleep(180_000, undefined, { signal: timeout.signal }).then(() => {
    throw new Error(`the daemon with ${pairs.length} pairs did not consume every pair in 180 s\n${tail}`);
  });
  late.catch(() => {});
  try {
    await Promise.race([ready, late]);
  } finally {
    timeout.abort();
  }
  // Past the join's own work (offset lookups, retention checks): the idle state itself.
  await sleep(5_000);
  const cpuBefore = cpuSeconds(pid);
  const wallBefore = performance.now();
  let rss = 0;
  let sockets = 0;
  const end = wallBefore + sampleSeconds * 1000;
  while (performance.now() < end) {
    rss = Math.max(rss, rssBytes(pid));
    sockets = Math.max(sockets, socketCount(pid));
    await sleep(500);
  }
  const idleCpu = (cpuSeconds(pid) - cpuBefore) / ((performance.now() - wallBefore) / 1000);
  const termAt = performance.now();
  child.kill('SIGTERM');
  const code = await exited;
  const stopSeconds = (performance.now() - termAt) / 1000;
  if (code !== 0) throw new Error(`the daemon with ${pairs.length} pairs exited with ${code} after SIGTERM\n${tail}`);
  return { pairs: pairs.length, idle_cpu_share: idleCpu, rss_mb: rss / 1e6, sockets, sigterm_to_exit_s: stopSeconds };
}
