/**
 * kafkajs (2.2.4, protocol/requests/produce/v3/request.js) builds a record batch from a request's
 * timestamps like this: it sorts them as strings and takes the first as the batch's base, then
 * writes each record's delta as `message.timestamp - firstTimestamp`, a subtraction of two
 * strings, so in floating point. Above 2^53 either side rounds (by up to +-128 ms near 1.7e18), and
 * the string sort can pick a base far from the others ("-1" before "1700000000000"), so one large
 * timestamp in a request shifts its neighbours. A request is exact when, for the base kafkajs will
 * pick, every record's floating-point delta equals the exact one; this tracks that for a request
 * being filled, so the caller can start a new request before a record that would break it.
 */
export class ProduceRequestTimestamps {
  #timestamps: string[] = [];
  /** kafkajs's base: the smallest timestamp in string order. */
  #base: string | undefined;

  /** Whether adding `timestamp` keeps every record of the request exact. A record alone always is. */
  accepts(timestamp: bigint): boolean {
    const text = timestamp.toString();
    if (this.#base === undefined) return true;
    if (text < this.#base) return [...this.#timestamps, text].every((t) => exactDelta(t, text));
    return exactDelta(text, this.#base);
  }

  add(timestamp: bigint): void {
    const text = timestamp.toString();
    this.#timestamps.push(text);
    if (this.#base === undefined || text < this.#base) this.#base = text;
  }

  reset(): void {
    this.#timestamps = [];
    this.#base = undefined;
  }
}

/** kafkajs's delta (`timestamp - base` on strings, so doubles) is the exact one. */
function exactDelta(timestamp: string, base: string): boolean {
  const asKafkajs = Number(timestamp) - Number(base);
  return Number.isInteger(asKafkajs) && BigInt(asKafkajs) === BigInt(timestamp) - BigInt(base);
}
