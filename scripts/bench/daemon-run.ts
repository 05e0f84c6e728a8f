import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { spawnTied } from '../local/child-process.js';

/** One pino log line of the daemon (only the fields the benchmark reads). */
interface LogLine {
  time?: string;
  msg?: string;
  level?: string;
  count?: number;
  bytes?: number;
}

export interface CliRun {
  readonly exitCode: number | null;
  /** Peak resident set of the child (VmHWM from /proc, polled), in bytes; 0 where /proc is absent. */
  readonly peakRssBytes: number;
  /** Log lines by message, in order, each with its time in epoch milliseconds. */
  readonly lines: ReadonlyArray<LogLine & { at: number }>;
  readonly stdout: string;
  /** The last few kB of stderr, for errors. */
  readonly stderrTail: string;
}

/**
 * Runs the built CLI as its own process, as an operator would: its memory is its own, and its
 * timings come from its own logs (pino's `time`, ms resolution), so the process start-up, config
 * loading and the consumer-group join before the first fetch are outside every window.
 * `nodeFlags`: node's own flags before the script (the image's, scripts/bench/image-entrypoint.ts).
 */
export async function runCli(
  cliPath: string,
  args: string[],
  env: Record<string, string>,
  opts: { profileDir?: string; nodeOptions?: string; nodeFlags?: readonly string[] } = {},
): Promise<CliRun> {
  const node = [...(opts.nodeFlags ?? []), ...(opts.profileDir ? ['--cpu-prof', '--cpu-prof-dir', opts.profileDir] : [])];
  const child = spawnTied(process.execPath, [...node, cliPath, ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      // e.g. `--max-old-space-size=128`: how much of a peak RSS is garbage V8 had not collected yet.
      ...(opts.nodeOptions ? { NODE_OPTIONS: opts.nodeOptions } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let peak = 0;
  const status = `/proc/${child.pid}/status`;
  const sample = () => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(status, 'utf8'));
      if (hwm) peak = Math.max(peak, Number(hwm[1]) * 1024);
    } catch {
      // exited between samples: VmHWM only grows, so the last sample is within one interval of the peak
    }
  };
  const sampler = setInterval(sample, 100);
  const lines: Array<LogLine & { at: number }> = [];
  let tail = '';
  let stdout = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  const reading = new Promise<void>((resolve) => {
    const rl = createInterface({ input: child.stderr! });
    rl.on('line', (line) => {
      tail = (tail + line + '\n').slice(-6000);
      if (!line.startsWith('{')) return;
      try {
        const parsed = JSON.parse(line) as LogLine;
        if (parsed.time) lines.push({ ...parsed, at: Date.parse(parsed.time) });
      } catch {
        // not a log line
      }
    });
    rl.once('close', resolve);
  });
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
  clearInterval(sampler);
  await reading;
  return { exitCode, peakRssBytes: peak, lines, stdout, stderrTail: tail };
}

export function linesWith(run: CliRun, msg: string): ReadonlyArray<LogLine & { at: number }> {
  return run.lines.filter((l) => l.msg === msg);
}

/**
 * What a `backup --once` run logged: the window from its first fetched records (after the group
 * join and the settling of start offsets) to the last durable batch.
 */
export interface BackupWindow {
  readonly firstFetchAt: number;
  readonly lastDurableAt: number;
  readonly events: number;
  readonly batches: number;
  readonly seconds: number;
}

export function backupWindow(run: CliRun): BackupWindow {
  const first = linesWith(run, 'first records fetched since the join')[0];
  const durable = linesWith(run, 'batch durable and committed');
  if (run.exitCode !== 0 || !first || durable.length === 0) {
    throw new Error(`backup --once: expected exit 0, fetched records and durable batches, got exit ${run.exitCode}, ${durable.length} batches\n${run.stderrTail}`);
  }
  const last = Math.max(...durable.map((l) => l.at));
  return {
    firstFetchAt: first.at,
    lastDurableAt: last,
    events: durable.reduce((n, l) => n + (l.count ?? 0), 0),
    batches: durable.length,
    // pino's ms resolution: a window under a few ms is not measurable; never divide by zero.
    seconds: Math.max(0.001, (last - first.at) / 1000),
  };
}
