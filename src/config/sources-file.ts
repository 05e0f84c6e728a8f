import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SAFE_NAME } from './pair.js';

/**
 * The platform's sources file (its `sources.yaml`): `sources: {name: {...}}`. streamvault reads
 * two fields of each source and lets the platform's others (description, references, elastic,
 * kafka, icon_class, partition_unit, ...) pass unread:
 * - `exclude_from_backup` (boolean, default false): the source is not backed up.
 * - `expire_events_after`: `0` (kept for ever) or `N days|weeks|months|years` (a month is 30 days,
 *   a year 365, as the platform counts them). Validated with the platform's rule so a file the
 *   platform would refuse is refused here too; otherwise not used: the backup keeps every event it
 *   reads, and the topic's own retention.ms (which the platform derives from this field) is what
 *   the backup records in its topic records.
 */
export interface SourceEntry {
  readonly name: string;
  readonly excludeFromBackup: boolean;
  /** `expire_events_after` in milliseconds; -1 when the events are kept for ever (`0` or absent). */
  readonly expireEventsAfterMs: number;
}

export type SourcesFileResult = { ok: true; sources: SourceEntry[] } | { ok: false; problems: string[] };

const DAY_MS = 24 * 60 * 60 * 1000;
const UNIT_DAYS: Record<string, number> = { days: 1, weeks: 7, months: 30, years: 365 };
const EXPIRY = /^(\d+) (days|weeks|months|years)$/;

const expiry = z.preprocess(
  (v) => (typeof v === 'number' ? String(v) : v),
  z
    .string({ message: 'expected a string such as "7 days" or "0"' })
    .refine((s) => s === '0' || EXPIRY.test(s), { message: 'expected "0" or "<number> days|weeks|months|years" (one space, no others), such as "7 days"' }),
);

const sourceSchema = z
  .object({
    exclude_from_backup: z.boolean({ message: 'expected true or false' }).optional(),
    expire_events_after: expiry.optional(),
  })
  .passthrough();

const fileSchema = z.object(
  {
    sources: z.record(z.string(), sourceSchema.nullable(), { message: 'expected a mapping of source names to their settings' }),
  },
  { message: 'expected a mapping with a `sources:` key, as the platform\'s sources file has' },
);

function expiryMs(value: string | undefined): number {
  const match = value === undefined ? null : EXPIRY.exec(value);
  if (!match) return -1;
  const ms = Number(match[1]) * UNIT_DAYS[match[2]!]! * DAY_MS;
  return ms > 0 ? ms : -1;
}

/** Parses the file's text; every problem is listed, each with where it is (`sources.testing.exclude_from_backup`). */
export function parseSourcesFile(text: string): SourcesFileResult {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    return { ok: false, problems: [`expected YAML, got a syntax error: ${(error as Error).message.split('\n')[0]}`] };
  }
  const parsed = fileSchema.safeParse(data);
  // Names are checked apart from the schema, so a bad name is listed next to every other problem.
  const sourcesValue = (data as { sources?: unknown } | null)?.sources;
  const names = sourcesValue !== null && typeof sourcesValue === 'object' && !Array.isArray(sourcesValue) ? Object.keys(sourcesValue) : [];
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(file)'}: ${issue.message}`)),
    ...names
      .filter((name) => !SAFE_NAME.test(name))
      .map((name) => `sources.${name}: expected a source name of letters, digits, '.', '_' or '-' (not starting with '.' or '-'), got ${JSON.stringify(name)}`),
  ];
  if (!parsed.success || problems.length > 0) return { ok: false, problems };
  const sources = Object.entries(parsed.data.sources).map(([name, entry]) => ({
    name,
    excludeFromBackup: entry?.exclude_from_backup ?? false,
    expireEventsAfterMs: expiryMs(entry?.expire_events_after),
  }));
  if (sources.length === 0) return { ok: false, problems: ['sources: expected at least one source'] };
  return { ok: true, sources };
}
