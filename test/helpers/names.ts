import { randomBytes } from 'node:crypto';

let counter = 0;

/**
 * A name valid as a Kafka topic and as an S3 bucket (3-63 chars of [a-z0-9-], starting with a
 * letter, no doubled or trailing hyphen), unique across calls, processes and runs: pid, a
 * per-process counter and randomness. A long prefix is shortened to fit.
 */
export function uniqueName(prefix: string): string {
  const suffix = `${process.pid.toString(36)}-${(counter++).toString(36)}-${randomBytes(3).toString('hex')}`;
  let clean = prefix
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 63 - suffix.length - 1)
    .replace(/-+$/, '');
  if (clean === '') clean = 't';
  return `${clean}-${suffix}`;
}
