import PQueue from 'p-queue';
import { z } from 'zod';
import type { KeyLayout, PairName } from './key-layout.js';
import { compareOffsets } from './manifest-reader.js';
import { getIfExists, type ObjectStore } from './object-store.js';

/**
 * `{prefix}gaps/{source}/{event}/p{partition:6}/{from:20}.json`: offsets `from`..`to` of a
 * partition expired at the source (retention moved the log start offset past them) before the
 * backup read them. They are not in the backup and never will be; this object says so, so that
 * `stats`, `verify` and a restore's dry run can tell the operator instead of hiding it.
 *
 * Format growth: `format` + `version` (1). Backups made before gaps were recorded have no
 * `gaps/` folder and read as "no gaps known". A reader meets a newer version as a problem, not a gap.
 */
const offsetString = z.string().regex(/^\d{1,20}$/);

export const RETENTION_GAP_FORMAT = 'streamvault.retention-gap';

export const retentionGapSchema = z.object({
  format: z.literal(RETENTION_GAP_FORMAT),
  version: z.literal(1),
  source: z.string(),
  event: z.string(),
  topic: z.string(),
  partition: z.number().int().nonnegative(),
  /** First missing offset: where the backup was to continue. */
  from: offsetString,
  /** Last missing offset: the partition's log start offset minus one when the gap was noticed. */
  to: offsetString,
  /**
   * What `from` is: the consumer group's committed offset, or (the group had none, e.g. its
   * offsets expired) the offset after the last record the backup holds for the partition.
   */
  continuedFrom: z.enum(['committed-offset', 'backup-end']),
  /** The partition's log start offset (earliest retained) when the gap was noticed. */
  logStartOffset: offsetString,
  /** ISO time the daemon noticed the gap (the last time, when noticed again). */
  noticedAt: z.string(),
  /** Host name of the daemon that noticed it. */
  host: z.string(),
});

export type RetentionGap = z.infer<typeof retentionGapSchema>;

/** Offsets in the gap (`to - from + 1`). */
export function gapOffsets(gap: Pick<RetentionGap, 'from' | 'to'>): bigint {
  return BigInt(gap.to) - BigInt(gap.from) + 1n;
}

export function serializeRetentionGap(gap: RetentionGap): Buffer {
  return Buffer.from(`${JSON.stringify(retentionGapSchema.parse(gap), null, 1)}\n`);
}

export type ParseRetentionGapResult = { ok: true; gap: RetentionGap } | { ok: false; reason: string };

export function parseRetentionGap(key: string, body: Buffer): ParseRetentionGapResult {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `retention gap ${key}: expected JSON, got ${(error as Error).message}` };
  }
  const version = (json as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > 1) {
    return { ok: false, reason: `retention gap ${key}: expected version 1, got ${version} (written by a newer streamvault)` };
  }
  const parsed = retentionGapSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `retention gap ${key}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}` };
  }
  if (compareOffsets(parsed.data.from, parsed.data.to) > 0) {
    return { ok: false, reason: `retention gap ${key}: expected from <= to, got ${parsed.data.from}..${parsed.data.to}` };
  }
  return { ok: true, gap: parsed.data };
}

/** Writes (or overwrites: same pair, partition and first missing offset) one gap. */
export async function writeRetentionGap(store: ObjectStore, layout: KeyLayout, gap: RetentionGap): Promise<string> {
  const key = layout.retentionGapKey(gap, gap.partition, gap.from);
  await store.put(key, serializeRetentionGap(gap), { contentType: 'application/json' });
  return key;
}

/** The stored gap at `key`, undefined when there is none or it does not parse. */
export async function readRetentionGap(store: ObjectStore, key: string): Promise<RetentionGap | undefined> {
  const body = await getIfExists(store, key);
  if (body === undefined) return undefined;
  const parsed = parseRetentionGap(key, body);
  return parsed.ok ? parsed.gap : undefined;
}

export interface RetentionGapListing {
  /** Sorted by source, event, partition, from. */
  readonly gaps: RetentionGap[];
  readonly problems: ReadonlyArray<{ key: string; reason: string }>;
}

/** Every recorded gap of the backup (or of some pairs); none in a backup older than gaps. */
export async function readRetentionGaps(
  store: ObjectStore,
  layout: KeyLayout,
  options: { pairs?: readonly PairName[]; concurrency?: number } = {},
): Promise<RetentionGapListing> {
  const prefixes = options.pairs ? options.pairs.map((p) => layout.retentionGapsPrefix(p)) : [layout.retentionGapsPrefix()];
  const keys: string[] = [];
  for (const prefix of prefixes) {
    for await (const object of store.list(prefix)) if (object.key.endsWith('.json')) keys.push(object.key);
  }
  const gaps: RetentionGap[] = [];
  const problems: Array<{ key: string; reason: string }> = [];
  const queue = new PQueue({ concurrency: options.concurrency ?? 16 });
  await queue.addAll(
    keys.map((key) => async () => {
      try {
        const parsed = parseRetentionGap(key, await store.get(key));
        if (parsed.ok) gaps.push(parsed.gap);
        else problems.push({ key, reason: parsed.reason });
      } catch (error) {
        problems.push({ key, reason: `retention gap ${key}: ${(error as Error).message}` });
      }
    }),
  );
  gaps.sort(
    (a, b) =>
      a.source.localeCompare(b.source) || a.event.localeCompare(b.event) || a.partition - b.partition || compareOffsets(a.from, b.from),
  );
  problems.sort((a, b) => a.key.localeCompare(b.key));
  return { gaps, problems };
}

/** `src/evt topic/p: offsets from..to (n)`, for people. */
/** A gap as the JSON outputs show it (verify --json, the restore dry run's plan line). */
export function retentionGapJson(g: RetentionGap): Record<string, string | number> {
  return {
    source: g.source,
    event: g.event,
    topic: g.topic,
    partition: g.partition,
    from: g.from,
    to: g.to,
    offsets: gapOffsets(g).toString(),
    noticed_at: g.noticedAt,
    host: g.host,
  };
}

export function describeRetentionGap(gap: RetentionGap): string {
  return (
    `${gap.source}/${gap.event} ${gap.topic}/${gap.partition}: offsets ${gap.from}..${gap.to} (${gapOffsets(gap)}) expired at the source before they were backed up` +
    ` (noticed ${gap.noticedAt} by ${gap.host})`
  );
}
