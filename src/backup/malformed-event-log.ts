import type { MalformedEventCode } from '../events/event-decoder.js';
import type { Logger } from '../observability/logger.js';

/**
 * Why an event was counted malformed: one of the decoder's codes, or `RECORD_NOT_EXACT` when the
 * client could not deliver the record exactly as stored (see kafka/to-backup-record.ts).
 */
export type MalformedCode = MalformedEventCode | 'RECORD_NOT_EXACT';

export interface MalformedEvent {
  readonly partition: number;
  readonly offset: string;
  readonly code: MalformedCode;
  readonly reason: string;
}

export interface MalformedEventLogOptions {
  /** The pair's logger (it names the pair and topic). */
  readonly logger: Logger;
  /** Events logged one line each before the rest is only summarized; default 5. */
  readonly detailedLimit?: number;
  /** Examples carried by each summary line; default 3. */
  readonly examplesPerSummary?: number;
}

/** A summary's examples stay short: a reason listing every candidate type can run to kilobytes. */
const EXAMPLE_REASON_CHARS = 300;

const MESSAGES: Record<'decode' | 'client', string> = {
  decode: 'event does not decode with the schema; backed up byte for byte',
  client: 'record not delivered exactly by the client; backed up as delivered',
};

/**
 * The log of one pair's malformed events, bounded whatever the topic holds: the first few get a
 * line each with their details, the rest are counted and reported by `summarize()` (called at the
 * progress-log interval and at shutdown) as one line with counts per code and a few examples. A
 * topic of bad events then costs a handful of lines per interval, not one per event; the events
 * themselves are backed up all the same.
 */
export class MalformedEventLog {
  readonly #log: Logger;
  readonly #detailedLimit: number;
  readonly #examplesPerSummary: number;
  #total = 0;
  #unsummarized = 0;
  #byCode = new Map<MalformedCode, number>();
  #examples: MalformedEvent[] = [];

  constructor(options: MalformedEventLogOptions) {
    this.#log = options.logger;
    this.#detailedLimit = options.detailedLimit ?? 5;
    this.#examplesPerSummary = options.examplesPerSummary ?? 3;
  }

  /** Malformed events reported since start. */
  get total(): number {
    return this.#total;
  }

  report(event: MalformedEvent): void {
    this.#total += 1;
    const message = MESSAGES[event.code === 'RECORD_NOT_EXACT' ? 'client' : 'decode'];
    if (this.#total <= this.#detailedLimit) {
      const last = this.#total === this.#detailedLimit;
      this.#log.warn(
        { partition: event.partition, offset: event.offset, code: event.code, reason: event.reason, ...(last ? { detailedLimit: this.#detailedLimit } : {}) },
        last ? `${message}; further malformed events of this pair are counted in a periodic summary` : message,
      );
      return;
    }
    this.#unsummarized += 1;
    this.#byCode.set(event.code, (this.#byCode.get(event.code) ?? 0) + 1);
    if (this.#examples.length < this.#examplesPerSummary) this.#examples.push(event);
  }

  /** One line for the events counted since the last summary; nothing when there were none. */
  summarize(): void {
    if (this.#unsummarized === 0) return;
    this.#log.warn(
      {
        malformed: this.#unsummarized,
        malformedSinceStart: this.#total,
        byCode: Object.fromEntries(this.#byCode),
        examples: this.#examples.map((e) => ({ partition: e.partition, offset: e.offset, code: e.code, reason: e.reason.slice(0, EXAMPLE_REASON_CHARS) })),
      },
      'malformed events since the last summary; backed up byte for byte',
    );
    this.#unsummarized = 0;
    this.#byCode = new Map();
    this.#examples = [];
  }
}
