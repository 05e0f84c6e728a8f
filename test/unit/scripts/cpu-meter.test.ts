import { describe, expect, it } from 'vitest';
import { CpuMeter, cpuBetween, meterNow, parseProcStat, readCpuSample, type CpuSample } from '../../../scripts/bench/cpu-meter.js';

describe('cpu meter', () => {
  it('reads busy time (user, nice, system, irq, softirq) and steal from the aggregate cpu line, in seconds', () => {
    //            user nice system idle iowait irq softirq steal guest guest_nice
    const text = 'cpu  1000 50 300 9000 200 10 40 25 0 0\ncpu0 500 25 150 4500 100 5 20 12 0 0\nintr 1\n';
    expect(parseProcStat(text, 7)).toEqual({ at: 7, busy: 14, steal: 0.25 });
  });

  it('refuses a /proc/stat without a cpu line it can read', () => {
    expect(() => parseProcStat('intr 1 2 3\n', 0)).toThrow(/expected a "cpu" line of at least 8 counters/);
    expect(() => parseProcStat('cpu  1 2 x 4 5 6 7 8\n', 0)).toThrow(/at least 8 counters, got "cpu  1 2 x/);
  });

  const samples: CpuSample[] = [
    { at: 1000, busy: 10, steal: 0 },
    { at: 1100, busy: 10.2, steal: 0.01 },
    { at: 1200, busy: 10.6, steal: 0.01 },
  ];

  it('interpolates between the samples around each edge of a window', () => {
    // 1050: 10.1; 1150: 10.4.
    const spent = cpuBetween(samples, 1050, 1150);
    expect(spent.busySeconds).toBeCloseTo(0.3, 10);
    expect(spent.stealSeconds).toBeCloseTo(0.005, 10);
    expect(cpuBetween(samples, 1000, 1200).busySeconds).toBeCloseTo(0.6, 10);
    expect(cpuBetween(samples, 1100, 1100).busySeconds).toBe(0);
  });

  it('refuses a window the samples do not cover, or one that ends before it starts', () => {
    expect(() => cpuBetween(samples, 900, 1100)).toThrow(/CPU samples around 900, got samples from 1000 to 1200/);
    expect(() => cpuBetween(samples, 1100, 1300)).toThrow(/CPU samples around 1300/);
    expect(() => cpuBetween([], 1, 2)).toThrow(/got samples from none/);
    expect(() => cpuBetween(samples, 1150, 1050)).toThrow(/ends at or after its start, got 1150 to 1050/);
  });

  it.skipIf(process.platform !== 'linux')('reads this machine: counters that only grow', () => {
    const first = readCpuSample(1);
    const second = readCpuSample(2);
    expect(first.busy).toBeGreaterThan(0);
    expect(second.busy).toBeGreaterThanOrEqual(first.busy);
    expect(second.steal).toBeGreaterThanOrEqual(first.steal);
  });

  it.skipIf(process.platform !== 'linux')('covers a window read the moment it ended, on the clock the bench times its windows with', () => {
    // An interval no test waits for: only the sample at start and the one `between` takes now.
    const meter = new CpuMeter();
    meter.start(60_000);
    try {
      // Fractional milliseconds, as stages.ts takes them. A sample stamped with Date.now() (whole
      // milliseconds) came just before such an end, and the window had no sample after it.
      for (let i = 0; i < 20; i++) {
        const from = meterNow();
        const to = meterNow();
        expect(meter.between(from, to).busySeconds).toBeGreaterThanOrEqual(0);
      }
    } finally {
      meter.stop();
    }
  });
});
