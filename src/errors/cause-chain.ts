/** Links followed at most: a chain longer than this is a cycle the identity check missed, or a bug. */
const MAX_LINKS = 32;

/**
 * The error and everything it wraps, outermost first, breadth first: `cause` (ES2022, kafkajs,
 * p-retry, the AWS SDK), `originalError` and `retriableError` (wrappers that name what they wrap so),
 * and each of an AggregateError's (or kafkajs's KafkaJSAggregateError's) `errors`. Cycles and
 * length bounded.
 */
export function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && chain.length < MAX_LINKS) {
    const current = queue.shift();
    if (current === undefined || current === null || chain.includes(current)) continue;
    chain.push(current);
    if (typeof current !== 'object') continue;
    const links = current as { cause?: unknown; originalError?: unknown; retriableError?: unknown; errors?: unknown };
    queue.push(links.cause, links.originalError, links.retriableError);
    if (Array.isArray(links.errors)) queue.push(...links.errors);
  }
  return chain;
}
