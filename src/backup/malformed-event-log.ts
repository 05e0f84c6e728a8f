import type { MalformedEventCode } from '../events/event-decoder.js';
import type { Logger } from '../observability/logger.js';
import type { DecodingSettings } from '../events/event-inspector.js';

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
  /** What decodes the pair's events, named by the "most events do not decode" line; absent without a schema. */
  readonly decoding?: DecodingSettings;
  /** Decode attempts the verdict is taken over (the first of the run); default `MOSTLY_MALFORMED_WINDOW`. */
  readonly verdictWindow?: number;
}

/**
 * "Most events of a pair do not decode" means: more than half of the first 20 events the pair
 * tried to decode since start (tombstones and undecoded pairs do not count) are malformed. The
 * verdict is taken once: when the 20th attempt is in, or at a summary (progress-log interval)
 * after at least 5, or at the last summary (drain) after any; it is logged at most once per run.
 */
export const MOSTLY_MALFORMED_WINDOW = 20;
const EARLY_VERDICT_MIN = 5;

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
  readonly #decoding: DecodingSettings | undefined;
  readonly #window: number;
  #attempts = 0;
  #failedAttempts = 0;
  #verdict: 'pending' | 'taken' = 'pending';

  constructor(options: MalformedEventLogOptions) {
    this.#log = options.logger;
    this.#detailedLimit = options.detailedLimit ?? 5;
    this.#examplesPerSummary = options.examplesPerSummary ?? 3;
    this.#decoding = options.decoding;
    this.#window = options.verdictWindow ?? MOSTLY_MALFORMED_WINDOW;
  }

  /**
   * One decode attempt of the pair (decoded or not; the malformed ones are also `report`ed), for
   * the verdict on whether most of its events fail to decode.
   */
  attempted(decoded: boolean): void {
    if (this.#verdict === 'taken' || this.#decoding === undefined) return;
    this.#attempts += 1;
    if (!decoded) this.#failedAttempts += 1;
    if (this.#attempts >= this.#window) this.#takeVerdict();
  }

  #takeVerdict(): void {
    this.#verdict = 'taken';
    const decoding = this.#decoding;
    if (decoding === undefined || this.#failedAttempts * 2 <= this.#attempts) return;
    const types = decoding.typeNames.join('|');
    const entry = decoding.fromFallback ? `the fallback entry \`*=${types}\`` : `its entry \`${decoding.eventType}=${types}\``;
    this.#log.error(
      {
        malformed: this.#failedAttempts,
        of: this.#attempts,
        eventType: decoding.eventType,
        typeNames: decoding.typeNames,
        generations: decoding.generations,
        settings: ['STREAMVAULT_EVENT_TYPE_MAP', 'STREAMVAULT_EVENT_SCHEMA'],
      },
      `most events of this pair do not decode (${this.#failedAttempts} of the first ${this.#attempts}): they are backed up byte for byte, ` +
        `but the streams they reference are not found, so not backed up. The pair's event type uses ${entry} of STREAMVAULT_EVENT_TYPE_MAP ` +
        `and schema generation(s) ${decoding.generations.join(', ')} of STREAMVAULT_EVENT_SCHEMA: map the event type to the Avro types its events hold, ` +
        'or add the schema generation they were written with (a subdirectory per generation)',
    );
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

  /**
   * One line for the events counted since the last summary; nothing when there were none. Also
   * takes the "most events do not decode" verdict when still pending (see MOSTLY_MALFORMED_WINDOW);
   * `final` (at drain) takes it on any number of attempts.
   */
  summarize(options: { final?: boolean } = {}): void {
    if (this.#verdict === 'pending' && this.#attempts > 0 && (options.final === true || this.#attempts >= EARLY_VERDICT_MIN)) this.#takeVerdict();
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
