import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Rate limit shared by every partition being restored: events per second and bytes per second
 * (0 = unlimited). A "virtual clock" limiter: each grant pushes the next free moment forward by
 * its cost, so a platform coming back up sees a steady rate, with at most one second of burst.
 */
export class Throttle {
  readonly #eventsPerSecond: number;
  readonly #bytesPerSecond: number;
  readonly #now: () => number;
  #nextFree: number;

  constructor(options: { eventsPerSecond: number; bytesPerSecond: number; now?: () => number }) {
    for (const [name, value] of Object.entries({ eventsPerSecond: options.eventsPerSecond, bytesPerSecond: options.bytesPerSecond })) {
      if (!Number.isFinite(value) || value < 0) throw new TypeError(`Expected \`${name}\` to be a number from 0 and up, got \`${value}\``);
    }
    this.#eventsPerSecond = options.eventsPerSecond;
    this.#bytesPerSecond = options.bytesPerSecond;
    this.#now = options.now ?? (() => performance.now());
    this.#nextFree = this.#now() - 1000;
  }

  /** Milliseconds to wait before sending `events` events of `bytes` bytes; reserves them. */
  reserve(events: number, bytes: number): number {
    const cost = Math.max(
      this.#eventsPerSecond > 0 ? (events / this.#eventsPerSecond) * 1000 : 0,
      this.#bytesPerSecond > 0 ? (bytes / this.#bytesPerSecond) * 1000 : 0,
    );
    if (cost === 0) return 0;
    const now = this.#now();
    const start = Math.max(this.#nextFree, now - 1000);
    this.#nextFree = start + cost;
    return Math.max(0, this.#nextFree - now);
  }

  async take(events: number, bytes: number): Promise<void> {
    const wait = this.reserve(events, bytes);
    if (wait > 0) await sleep(wait);
  }
}
