import { readFileSync } from 'node:fs';

/**
 * Machine-wide CPU time, from /proc/stat: what a window of the benchmark cost the whole machine
 * (the client under test, the broker, s3rver, the kernel's networking), not one process. On a
 * machine with fewer cores than the pipeline has stages, the stages cannot each run at their own
 * pace side by side, and their CPU per event tells what they cost together. `steal` is time the
 * hypervisor gave another guest: how much of a window a shared VM took away.
 */
export interface CpuSample {
  /** Epoch milliseconds. */
  readonly at: number;
  /** CPU seconds spent busy (user, nice, system, irq, softirq) on every core, since boot. */
  readonly busy: number;
  /** CPU seconds stolen by the hypervisor, since boot. */
  readonly steal: number;
}

export interface CpuSpent {
  readonly busySeconds: number;
  readonly stealSeconds: number;
}

/** The kernel's USER_HZ: /proc/stat counts in 1/100 s on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** Parses the aggregate `cpu` line of /proc/stat. */
export function parseProcStat(text: string, at: number): CpuSample {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  const fields = line?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  if (fields.length < 8 || fields.some((f) => !Number.isFinite(f))) {
    throw new Error(`/proc/stat: expected a "cpu" line of at least 8 counters, got ${JSON.stringify(line ?? text.slice(0, 80))}`);
  }
  const [user, nice, system, , , irq, softirq, steal] = fields as [number, number, number, number, number, number, number, number];
  return { at, busy: (user + nice + system + irq + softirq) / TICKS_PER_SECOND, steal: steal / TICKS_PER_SECOND };
}

/**
 * Epoch milliseconds on the clock the bench's own windows are taken with (stages.ts `now`):
 * fractional. A sample stamped with `Date.now()` (whole ms) could fall just before a window that
 * ended a fraction of a millisecond earlier, and a window read at once then had no sample after it.
 */
export function meterNow(): number {
  return performance.timeOrigin + performance.now();
}

export function readCpuSample(at = meterNow()): CpuSample {
  return parseProcStat(readFileSync('/proc/stat', 'utf8'), at);
}

/**
 * CPU spent between two epoch-ms instants, interpolated linearly between the samples around each
 * edge (the counters tick at 10 ms; samples come every few tens). Throws when the samples do not
 * cover the window.
 */
export function cpuBetween(samples: readonly CpuSample[], from: number, to: number): CpuSpent {
  if (!(to >= from)) throw new RangeError(`Expected a window that ends at or after its start, got ${from} to ${to}`);
  const at = (t: number): { busy: number; steal: number } => {
    const after = samples.findIndex((s) => s.at >= t);
    if (after < 0 || (after === 0 && samples[0]!.at > t)) {
      const span = samples.length > 0 ? `${samples[0]!.at} to ${samples[samples.length - 1]!.at}` : 'none';
      throw new RangeError(`Expected CPU samples around ${t}, got samples from ${span}`);
    }
    const b = samples[after]!;
    if (b.at === t || after === 0) return b;
    const a = samples[after - 1]!;
    const f = (t - a.at) / (b.at - a.at);
    return { busy: a.busy + f * (b.busy - a.busy), steal: a.steal + f * (b.steal - a.steal) };
  };
  const start = at(from);
  const end = at(to);
  return { busySeconds: end.busy - start.busy, stealSeconds: end.steal - start.steal };
}

/** Samples /proc/stat every `intervalMs` while started; windows are read from what it sampled. */
export class CpuMeter {
  readonly #samples: CpuSample[] = [];
  #timer: NodeJS.Timeout | undefined;

  start(intervalMs = 25): void {
    this.#samples.push(readCpuSample());
    this.#timer = setInterval(() => this.#samples.push(readCpuSample()), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** CPU spent in [from, to] (epoch ms); a window still open is sampled now first. */
  between(from: number, to: number): CpuSpent {
    const last = this.#samples[this.#samples.length - 1];
    if (!last || last.at < to) this.#samples.push(readCpuSample());
    return cpuBetween(this.#samples, from, to);
  }
}
