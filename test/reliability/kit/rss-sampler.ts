import { readFileSync } from 'node:fs';

/** Samples a process's resident set size (VmRSS in /proc/<pid>/status) until stopped. */
export class RssSampler {
  #maxKiB = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(pid: number, intervalMs = 200) {
    const sample = () => {
      try {
        const kib = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
        this.#maxKiB = Math.max(this.#maxKiB, kib);
      } catch {
        // The process has exited.
      }
    };
    sample();
    this.#timer = setInterval(sample, intervalMs);
  }

  /** Highest RSS seen, in MiB. */
  get maxMiB(): number {
    return Math.round(this.#maxKiB / 1024);
  }

  stop(): number {
    clearInterval(this.#timer);
    return this.maxMiB;
  }
}
