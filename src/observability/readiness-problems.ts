/**
 * Reasons the daemon cannot make progress, set and cleared by the component that knows (the
 * stream journal: state directory full; the stream pool: backup bucket unreachable; a pair
 * worker: a partition stuck on a batch it cannot write). `/readyz` fails while any is set and
 * lists them. A name is one condition: setting it again updates the reason, keeps `since`.
 */
export interface ReadinessReporter {
  set(name: string, reason: string): void;
  clear(name: string): void;
}

export class ReadinessProblems implements ReadinessReporter {
  readonly #problems = new Map<string, { reason: string; since: number }>();
  readonly #now: () => number;

  /** `now`: wall-clock milliseconds (for `since`). */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  set(name: string, reason: string): void {
    const since = this.#problems.get(name)?.since ?? this.#now();
    this.#problems.set(name, { reason, since });
  }

  clear(name: string): void {
    this.#problems.delete(name);
  }

  has(name: string): boolean {
    return this.#problems.has(name);
  }

  /** One line per problem, sorted by name: `name: reason (since ISO time)`. */
  list(): string[] {
    return [...this.#problems]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, p]) => `${name}: ${p.reason} (since ${new Date(p.since).toISOString()})`);
  }
}

/** For components built without a daemon around them (commands, tests). */
export const ignoredReadiness: ReadinessReporter = { set: () => {}, clear: () => {} };
